using System.Diagnostics;
using System.Net;
using Venue.LoadHarness.Hosting;
using Venue.LoadHarness.Resp;

namespace Venue.LoadHarness.Targets.Redis;

/// <summary>A real <c>redis-server</c> child process on a free loopback port, in a directory of its own.</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly IDisposable _exitCleanup;

    private RedisServer(Process process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
        _exitCleanup = ExitCleanup.Register(Kill);
    }

    public IPEndPoint EndPoint { get; }

    public static async Task<RedisServer> StartAsync(string directory, RedisPersistence persistence, CancellationToken cancellationToken)
    {
        var binary = Executables.Find("redis-server")
            ?? throw new TargetUnavailableException("redis-server is not installed (apt-get install redis-server)");
        var port = FreePort.Next();
        var info = new ProcessStartInfo(binary) { UseShellExecute = false, WorkingDirectory = directory };
        string[] common =
        [
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--dir", directory, "--daemonize", "no", "--logfile", Path.Combine(directory, "redis.log"),
            "--protected-mode", "yes",
        ];
        string[] durability = persistence switch
        {
            RedisPersistence.AofAlways => ["--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            RedisPersistence.AofEverySec => ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
            _ => [], // Redis' own defaults, whatever this build has: read back by the target for the report.
        };
        foreach (var argument in common.Concat(durability))
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        var server = new RedisServer(process, new IPEndPoint(IPAddress.Loopback, port));
        try
        {
            await server.WaitUntilReadyAsync(directory, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task WaitUntilReadyAsync(string directory, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}; see {Path.Combine(directory, "redis.log")}");
            }

            try
            {
                await using var connection = await RespConnection.ConnectAsync(EndPoint, cancellationToken);
                var pong = await connection.CallAsync(["PING"], cancellationToken);
                if (pong.Text == "PONG")
                {
                    return;
                }
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(15))
            {
                throw new TimeoutException("redis-server did not answer PING within 15 s");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // NOSAVE: the run is over, an RDB snapshot on the way out would only cost time.
                await using var connection = await RespConnection.ConnectAsync(EndPoint, CancellationToken.None);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await connection.CallAsync(["SHUTDOWN", "NOSAVE"], timeout.Token);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or System.Net.Sockets.SocketException)
                {
                    // SHUTDOWN closes the connection instead of replying.
                }

                using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(exit.Token);
            }
        }
        catch (Exception)
        {
            Kill();
        }
        finally
        {
            _exitCleanup.Dispose();
            _process.Dispose();
        }
    }

    private void Kill() => _process.KillQuietly();
}
