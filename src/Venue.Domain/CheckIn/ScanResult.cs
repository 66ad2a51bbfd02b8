namespace Venue.Domain.CheckIn;

/// <summary>The answer to a scan. <see cref="Passed"/> is true for an allowed entry or exit.</summary>
public sealed record ScanResult(
    bool Passed,
    ScanReason Reason,
    AttendeeSummary? Attendee,
    string GateId,
    DateTimeOffset At,
    string Nonce,
    long JournalSequence);

public sealed record AttendeeSummary(string Id, string Name, string TicketType);
