using Venue.Domain.CheckIn;

namespace Venue.Domain.Attendees;

/// <summary>
/// An admission or exit journaled at another edge, relayed by central. <see cref="Reason"/> is
/// <see cref="ScanReason.Admitted"/>, <see cref="ScanReason.Exited"/> or <see cref="ScanReason.NotInside"/>
/// (an exit that edge refused because it had not heard of the admission: the attendee walked out);
/// <see cref="Hlc"/> is the other edge's journal clock, which orders it against this edge's own passages.
/// </summary>
public sealed record RemotePassage(string AttendeeId, string EdgeId, string GateId, ScanReason Reason, long Hlc, DateTimeOffset At);
