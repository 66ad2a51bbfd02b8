namespace Venue.Domain.Central;

/// <summary>
/// What an upload of journal entries did: the entries stored for the first time (with their feed
/// ids), how many were already there, and the highest sequence up to which central now holds every
/// entry of that edge with no gap. The edge resumes uploading after <see cref="HighestContiguous"/>.
/// </summary>
public sealed record IngestResult(IReadOnlyList<StoredCheckIn> Inserted, int Duplicates, long HighestContiguous);
