using System.Globalization;
using Venue.LoadHarness.Resp;

namespace Venue.LoadHarness.Targets.Redis;

/// <summary>
/// The approach of Redis-based gate systems: each attendee is a key (<c>att:T0000042</c>, "0" out,
/// "1" inside) and one Lua script, called with EVALSHA in one round trip, checks the key, marks it
/// and appends the scan to the <c>scans</c> stream. One connection per concurrent check.
/// </summary>
internal sealed class RedisCheckInTarget(string name, RedisPersistence persistence) : ICheckInTarget
{
    private const string JournalKey = "scans";

    // KEYS[1] attendee key, KEYS[2] journal stream; ARGV[1] attendee id, ARGV[2] gate.
    private const string CheckScript = """
        local status = redis.call('GET', KEYS[1])
        local result
        if not status then
          result = 'unknown_ticket'
        elseif status == '1' then
          result = 'already_inside'
        else
          redis.call('SET', KEYS[1], '1')
          result = 'admitted'
        end
        redis.call('XADD', KEYS[2], '*', 'attendee', ARGV[1], 'gate', ARGV[2], 'result', result)
        if result == 'admitted' then return 1 end
        return 0
        """;

    // ARGV[1] ledger size. Builds the same ids as Ledger.IdOf.
    private const string LoadScript = """
        redis.call('DEL', 'scans')
        for i = 0, tonumber(ARGV[1]) - 1 do
          redis.call('SET', string.format('att:T%07d', i), '0')
        end
        return 1
        """;

    private const string TallyScript = """
        local inside = 0
        for i = 0, tonumber(ARGV[1]) - 1 do
          if redis.call('GET', string.format('att:T%07d', i)) == '1' then inside = inside + 1 end
        end
        return {inside, redis.call('XLEN', 'scans')}
        """;

    private readonly ConnectionPool<RespConnection> _pool = new();
    private readonly List<string> _facts = [];
    private RedisServer? _server;
    private string[] _keys = [];
    private string[] _ids = [];
    private string[] _gates = [];
    private string _checkSha = "";
    private int _ledgerSize;

    public string Name { get; } = name;

    public string Description => persistence switch
    {
        RedisPersistence.AofAlways => "redis-server, Lua check-and-mark + XADD in one EVALSHA; AOF appendfsync always",
        RedisPersistence.AofEverySec => "redis-server, Lua check-and-mark + XADD in one EVALSHA; AOF appendfsync everysec (may lose ~1 s)",
        _ => "redis-server, Lua check-and-mark + XADD in one EVALSHA; Redis defaults: no AOF, RDB snapshots (may lose minutes)",
    };

    public IReadOnlyList<string> Facts => _facts;

    public async Task StartAsync(TargetSetup setup, CancellationToken cancellationToken)
    {
        _server = await RedisServer.StartAsync(setup.WorkDirectory, persistence, cancellationToken);
        _ledgerSize = setup.Ledger.Count;
        _ids = new string[_ledgerSize];
        _keys = new string[_ledgerSize];
        for (var i = 0; i < _ledgerSize; i++)
        {
            _ids[i] = setup.Ledger[i];
            _keys[i] = "att:" + setup.Ledger[i];
        }

        _gates = Enumerable.Range(0, setup.Gates).Select(g => g.ToString(CultureInfo.InvariantCulture)).ToArray();
        for (var i = 0; i < setup.Concurrency; i++)
        {
            _pool.Add(await RespConnection.ConnectAsync(_server.EndPoint, cancellationToken));
        }

        var admin = await _pool.RentAsync(cancellationToken);
        try
        {
            _checkSha = (await admin.CallCheckedAsync(["SCRIPT", "LOAD", CheckScript], cancellationToken)).Text!;
            await admin.CallCheckedAsync(["EVAL", LoadScript, "0", Invariant(_ledgerSize)], cancellationToken);
            var info = (await admin.CallCheckedAsync(["INFO", "server"], cancellationToken)).Text ?? "";
            var version = info.Split('\n').FirstOrDefault(l => l.StartsWith("redis_version:", StringComparison.Ordinal))?.Trim();
            _facts.Add($"redis {version?["redis_version:".Length..]}");
            foreach (var setting in new[] { "appendonly", "appendfsync", "save" })
            {
                var reply = await admin.CallCheckedAsync(["CONFIG", "GET", setting], cancellationToken);
                _facts.Add($"{setting}={reply.Items?.ElementAtOrDefault(1)?.Text}");
            }
        }
        finally
        {
            _pool.Return(admin);
        }
    }

    public async Task<bool> CheckInAsync(int attendeeIndex, int gate, CancellationToken cancellationToken)
    {
        var connection = await _pool.RentAsync(cancellationToken);
        try
        {
            string[] call = ["EVALSHA", _checkSha, "2", _keys[attendeeIndex], JournalKey, _ids[attendeeIndex], _gates[gate]];
            var reply = await connection.CallAsync(call, cancellationToken);
            if (reply.IsError && reply.Text!.StartsWith("NOSCRIPT", StringComparison.Ordinal))
            {
                call[0] = "EVAL";
                call[1] = CheckScript;
                reply = await connection.CallAsync(call, cancellationToken);
            }

            _pool.Return(connection);
            return reply.Type switch
            {
                RespType.Integer => reply.Integer == 1,
                RespType.Error => throw new RedisErrorException(reply.Text!),
                _ => throw new InvalidDataException($"Unexpected reply to the check script: {reply}"),
            };
        }
        catch (Exception e) when (e is not RedisErrorException and not InvalidDataException)
        {
            // A call cut short leaves a reply unread on the connection: replace it.
            await _pool.ReplaceAsync(connection, await RespConnection.ConnectAsync(_server!.EndPoint, CancellationToken.None));
            throw;
        }
    }

    public async Task ResetAsync(CancellationToken cancellationToken) =>
        await AdminAsync(["EVAL", LoadScript, "0", Invariant(_ledgerSize)], cancellationToken);

    public async Task<TargetTally> TallyAsync(string phase, CancellationToken cancellationToken)
    {
        var reply = await AdminAsync(["EVAL", TallyScript, "0", Invariant(_ledgerSize)], cancellationToken);
        return new TargetTally(reply.Items![0].Integer, reply.Items[1].Integer);
    }

    private async Task<RespValue> AdminAsync(string[] call, CancellationToken cancellationToken)
    {
        var connection = await _pool.RentAsync(cancellationToken);
        try
        {
            return await connection.CallCheckedAsync(call, cancellationToken);
        }
        finally
        {
            _pool.Return(connection);
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await _pool.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
