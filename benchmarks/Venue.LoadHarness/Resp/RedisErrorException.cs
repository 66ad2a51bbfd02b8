namespace Venue.LoadHarness.Resp;

/// <summary>The server answered a command with a RESP error reply (<c>-ERR ...</c>).</summary>
public sealed class RedisErrorException(string message) : Exception(message);
