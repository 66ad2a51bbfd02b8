using System.ComponentModel.DataAnnotations;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;
using Venue.Hosting.Configuration;

namespace Venue.Central.Silo;

/// <summary>The <c>Central</c> section of central's configuration (see silo-config/central.json).</summary>
public sealed class CentralOptions
{
    public const string Section = "Central";

    /// <summary>Central's own id in the silo table.</summary>
    [Required, RegularExpression("^[a-z0-9][a-z0-9-]{0,31}$", ErrorMessage = "SiloId is 1 to 32 lowercase letters, digits or '-'.")]
    public string SiloId { get; set; } = "central";

    /// <summary>Where the embedded store (central.db) and other local files live.</summary>
    [Required]
    public string DataDirectory { get; set; } = "";

    /// <summary>
    /// PostgreSQL connection string; empty means the embedded SQLite store in DataDirectory. Keep the
    /// password out of the file: set VENUE_Central__PostgresConnectionString in the environment.
    /// </summary>
    public string? PostgresConnectionString { get; set; }

    [Required, RegularExpression("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", ErrorMessage = "EventId is 1 to 64 letters, digits, '-' or '_'.")]
    public string EventId { get; set; } = "";

    public string? EventName { get; set; }

    /// <summary>The private key badges are signed with: {kid}.private.pem from 'venue keys create'.</summary>
    [Required]
    public string SigningKeyPath { get; set; } = "";

    /// <summary>Older public keys ({kid}.public.pem) whose badges edges must still accept after a rotation.</summary>
    public List<string> PreviousPublicKeyPaths { get; set; } = [];

    [Required, MinLength(1, ErrorMessage = "Configure at least one ticket type.")]
    public List<TicketTypeOptions> TicketTypes { get; set; } = [];

    /// <summary>An entry uploaded longer than this after it happened is marked late (typically: buffered during a partition); 1 s to 1 day.</summary>
    [DurationRange("00:00:01", "1.00:00:00")]
    public TimeSpan LateAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest journal batch an edge may upload, in entries (more: 413).</summary>
    [Range(1, 100_000)]
    public int MaxSyncBatchEntries { get; set; } = 5_000;

    /// <summary>Largest sync request body, in bytes.</summary>
    [Range(1024, 64 << 20)]
    public int MaxSyncBodyBytes { get; set; } = 4 << 20;

    /// <summary>Stored passages read per page when central starts and rebuilds its attendee histories.</summary>
    [Range(1, 1_000_000)]
    public int RebuildPageSize { get; set; } = 10_000;

    /// <summary>Requests per minute an integrator API key may make unless the key says otherwise.</summary>
    [Range(1, 1_000_000)]
    public int ApiRequestsPerMinute { get; set; } = 600;

    public string SqlitePath => Path.Combine(DataDirectory, "central.db");

    /// <summary>Everything wrong with these options, in words for an operator; empty when central can start.</summary>
    public IReadOnlyList<string> Problems()
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        var problems = results.Select(r => $"{string.Join(", ", r.MemberNames.Select(m => $"{Section}:{m}"))}: {r.ErrorMessage}").ToList();
        if (!string.IsNullOrWhiteSpace(SigningKeyPath) && !File.Exists(SigningKeyPath))
        {
            problems.Add($"{Section}:SigningKeyPath: {Path.GetFullPath(SigningKeyPath)} does not exist (make one with 'venue keys create').");
        }
        else if (!string.IsNullOrWhiteSpace(SigningKeyPath) && KeyProblem(SigningKeyPath, isPrivate: true) is { } problem)
        {
            problems.Add($"{Section}:SigningKeyPath: {problem}");
        }

        foreach (var path in PreviousPublicKeyPaths)
        {
            if (!File.Exists(path))
            {
                problems.Add($"{Section}:PreviousPublicKeyPaths: {Path.GetFullPath(path)} does not exist.");
            }
            else if (KeyProblem(path, isPrivate: false) is { } problem)
            {
                problems.Add($"{Section}:PreviousPublicKeyPaths: {problem}");
            }
        }

        if (TicketTypes.Any(t => string.IsNullOrWhiteSpace(t.Name)))
        {
            problems.Add($"{Section}:TicketTypes: every ticket type needs a Name.");
        }

        foreach (var duplicate in TicketTypes.GroupBy(t => t.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"{Section}:TicketTypes: '{duplicate.Key}' is configured twice.");
        }

        // Key ids come from the file names ('venue keys create' names them {kid}.*.pem); edges would
        // hold only one key per id, so badges signed with the other would fail as forged.
        var keyIds = PreviousPublicKeyPaths.Select(CentralEvent.PublicKeyIdOf)
            .Prepend(string.IsNullOrWhiteSpace(SigningKeyPath) ? null : CentralEvent.SigningKeyIdOf(SigningKeyPath));
        foreach (var duplicate in keyIds.OfType<string>().GroupBy(k => k, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"{Section}:PreviousPublicKeyPaths: key id '{duplicate.Key}' is used by more than one key file; make the new key with its own --kid.");
        }

        return problems;
    }

    /// <summary>
    /// Read here, before central opens or migrates its store: a public key given as the signing key,
    /// or a file that is no key at all, would otherwise stop central only after it had made its data
    /// directory and claimed the store, with a message about the key id.
    /// </summary>
    private static string? KeyProblem(string path, bool isPrivate)
    {
        var full = Path.GetFullPath(path);
        try
        {
            var pem = File.ReadAllText(path);
            if (isPrivate && pem.Contains("-----BEGIN PUBLIC KEY-----", StringComparison.Ordinal))
            {
                return $"{full} is a public key; central signs badges with the private one ('venue keys create' writes {{kid}}.private.pem).";
            }

            if (isPrivate)
            {
                TicketSigningKey.FromPrivatePem(CentralEvent.SigningKeyIdOf(path), pem).Dispose();
            }
            else
            {
                new TicketKeyRing().AddPem(CentralEvent.PublicKeyIdOf(path), pem);
            }

            return null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidDataException or System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            var reason = System.Text.RegularExpressions.Regex.Replace(e.Message.Split(Environment.NewLine)[0], @" \(Parameter '[^']*'\)", "");
            return $"{full} is not a {(isPrivate ? "private" : "public")} key from 'venue keys create': {reason}";
        }
    }
}

/// <summary>A ticket type as configured: its name, whether re-entry is allowed, and the gates it may use (none listed: all).</summary>
public sealed class TicketTypeOptions
{
    public string Name { get; set; } = "";

    public bool Reentry { get; set; }

    public List<string>? Gates { get; set; }

    public TicketType ToTicketType() => new(Name, Reentry, Gates is { Count: > 0 } ? Gates : null);
}
