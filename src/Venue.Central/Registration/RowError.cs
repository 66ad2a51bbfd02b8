namespace Venue.Central.Registration;

/// <summary>
/// What is wrong with one row of an import (or with a single attendee, where <see cref="Row"/> is
/// null): the 1-based row (JSON: array element; CSV: data record after the header), for CSV the line
/// the record starts on, the field concerned (null: the row as a whole) and what to fix.
/// </summary>
public sealed record RowError(int? Row, long? Line, string? Field, string Message);
