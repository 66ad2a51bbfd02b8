namespace Venue.Central.Registration;

/// <summary>One row of an import as read: its 1-based number, for CSV its first line, what it says, and what is wrong with its shape.</summary>
public sealed record ImportRow(int Row, long? Line, AttendeeInput Input, IReadOnlyList<RowError> Errors);
