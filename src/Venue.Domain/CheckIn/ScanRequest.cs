namespace Venue.Domain.CheckIn;

/// <summary>A badge presented at a gate. The nonce makes scanner retries harmless.</summary>
public sealed record ScanRequest(string Token, ScanDirection Direction, string Nonce, DateTimeOffset ScannedAt);
