using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Venue.Domain.Telemetry;

namespace Venue.OpsConsole.Model;

/// <summary>
/// The acknowledgements of the zone alerts standing now, kept in the silo's data directory
/// (<see cref="FileName"/>) so that a restart does not bring back as unseen what ops already saw.
/// An alert is known across a restart by its zone and level: one alert per zone and level stands at
/// a time, and a restarted silo raises one anew for each level a zone still stands at
/// (<see cref="ConsoleModel.SeedZone"/>). An acknowledgement is forgotten when its alert clears or a
/// new one is raised at its level, so an alert raised after a clear starts unseen.
/// Changed under the feed's lock (cheap, in memory); written outside it by <see cref="Save"/>.
/// </summary>
public sealed class AlertAcknowledgements : IDisposable
{
    public const string FileName = "console-alert-acknowledgements.json";

    private readonly Dictionary<(string Zone, string Level), Acknowledged> _standing = [];
    private readonly Lock _changing = new();
    private readonly Lock _writing = new();
    private readonly string? _path;
    private readonly ILogger _logger;
    private long _version;
    private long _savedVersion;

    /// <param name="directory">The silo's data directory; null: in memory only.</param>
    public AlertAcknowledgements(string? directory, ILogger<AlertAcknowledgements>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (directory is null)
        {
            return;
        }

        _path = Path.Combine(directory, FileName);
        try
        {
            if (File.Exists(_path)
                && JsonSerializer.Deserialize(File.ReadAllBytes(_path), AcknowledgementsJsonContext.Default.ListAcknowledged) is { } saved)
            {
                foreach (var alert in saved)
                {
                    _standing[(alert.Zone, alert.Level)] = alert;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            // Only acknowledgements are lost (the alerts show as unseen): not a reason to keep the silo down.
            _logger.LogWarning(e, "The console could not read its alert acknowledgements from {Path}; standing alerts show unacknowledged.", _path);
        }
    }

    /// <summary>The acknowledgement of the alert standing at this zone and level, if it was acknowledged.</summary>
    internal Acknowledged? Find(string zone, string level)
    {
        lock (_changing)
        {
            return _standing.GetValueOrDefault((zone, level));
        }
    }

    public void Record(AlertView alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.AcknowledgedAt is not { } at || alert.AcknowledgedBy is not { } by)
        {
            throw new ArgumentException("The alert is not acknowledged.", nameof(alert));
        }

        lock (_changing)
        {
            _standing[(alert.Zone, alert.Level)] = new Acknowledged(alert.Zone, alert.Level, alert.RaisedAt, at, by);
            _version++;
        }
    }

    /// <summary>The alert at this zone and level cleared (or a new one was raised): its acknowledgement goes.</summary>
    public void Forget(string zone, string level)
    {
        lock (_changing)
        {
            if (_standing.Remove((zone, level)))
            {
                _version++;
            }
        }
    }

    /// <summary>A zone found standing at <paramref name="level"/> at start: what was acknowledged above it cleared meanwhile.</summary>
    public void ForgetAbove(string zone, ZoneLevel level)
    {
        lock (_changing)
        {
            foreach (var key in _standing.Keys.Where(k => k.Zone == zone && ConsoleModel.ParseLevel(k.Level) > level).ToList())
            {
                _standing.Remove(key);
                _version++;
            }
        }
    }

    /// <summary>
    /// Writes what changed since the last write, durably (a temporary file flushed to disk, renamed
    /// over the old one, so a crash leaves one or the other whole). A failed write is logged and tried
    /// again at the next change: the console goes on, its acknowledgements in memory.
    /// </summary>
    public void Save()
    {
        if (_path is null)
        {
            return;
        }

        lock (_writing)
        {
            List<Acknowledged> standing;
            long version;
            lock (_changing)
            {
                if (_version == _savedVersion)
                {
                    return;
                }

                version = _version;
                standing = [.. _standing.Values];
            }

            var temporary = _path + ".new";
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
                using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    JsonSerializer.Serialize(file, standing, AcknowledgementsJsonContext.Default.ListAcknowledged);
                    file.Flush(flushToDisk: true);
                }

                File.Move(temporary, _path, overwrite: true);
                lock (_changing)
                {
                    _savedVersion = version;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning(e, "The console could not write its alert acknowledgements to {Path}; a restart would show them unacknowledged.", _path);
            }
        }
    }

    /// <summary><see cref="Save"/> on the thread pool: for callers that must not wait for a disk (grain stream handlers).</summary>
    public void SaveSoon()
    {
        bool changed;
        lock (_changing)
        {
            changed = _version != _savedVersion;
        }

        if (changed && _path is not null)
        {
            ThreadPool.QueueUserWorkItem(static acknowledgements => acknowledgements.Save(), this, preferLocal: false);
        }
    }

    /// <summary>Writes what a <see cref="SaveSoon"/> may not have written yet: the silo is stopping.</summary>
    public void Dispose() => Save();

    /// <summary>An acknowledged alert as kept: its zone, level and first raise, and who saw it when.</summary>
    internal sealed record Acknowledged(string Zone, string Level, DateTimeOffset RaisedAt, DateTimeOffset AcknowledgedAt, string AcknowledgedBy);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<AlertAcknowledgements.Acknowledged>))]
internal sealed partial class AcknowledgementsJsonContext : JsonSerializerContext;
