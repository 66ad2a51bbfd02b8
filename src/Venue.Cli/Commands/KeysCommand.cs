using System.CommandLine;
using Venue.Central.Silo;
using Venue.Domain.Central;
using Venue.Domain.Tickets;

namespace Venue.Cli.Commands;

/// <summary>
/// <c>venue keys create</c>: a badge signing key pair; <c>venue keys api create | list | revoke</c>:
/// integrators' API keys, in central's store.
/// </summary>
public static class KeysCommand
{
    public static Command Create()
    {
        var kid = new Option<string>("--kid") { Description = "Key id printed into every badge it signs (letters, digits, '-', '_').", DefaultValueFactory = _ => $"k{DateTimeOffset.UtcNow:yyyyMMdd}" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory for {kid}.private.pem (central only) and {kid}.public.pem (edges).", DefaultValueFactory = _ => new DirectoryInfo("keys") };
        var create = new Command("create", "Create an ECDSA P-256 badge signing key: the private half stays at central, the public half goes to edges.");
        create.Options.Add(kid);
        create.Options.Add(output);
        create.SetAction((parse, _) => VenueCommandLine.Guard(async () =>
        {
            var id = parse.GetValue(kid)!;
            var directory = parse.GetValue(output)!;
            if (File.Exists(directory.FullName))
            {
                throw new ArgumentException($"--out {directory.FullName} is a file; give the directory the key files go into.");
            }

            var privatePath = Path.Combine(directory.FullName, $"{id}.private.pem");
            var publicPath = Path.Combine(directory.FullName, $"{id}.public.pem");
            if (File.Exists(privatePath) || File.Exists(publicPath))
            {
                throw new IOException($"Key '{id}' already exists in {directory.FullName}; choose another --kid (rotation keeps old keys).");
            }

            using var key = TicketSigningKey.Create(id);
            directory.Create();
            // Created new and owner-only from the first byte: never a moment readable by others, never over another run's key.
            await WriteNewAsync(privatePath, key.ExportPrivatePem(), ownerOnly: true);
            try
            {
                await WriteNewAsync(publicPath, key.ExportPublicPem(), ownerOnly: false);
            }
            catch
            {
                // Half a key pair is worse than none: a rerun would refuse with "already exists".
                File.Delete(privatePath);
                throw;
            }

            Console.WriteLine($"Created key '{id}'.");
            Console.WriteLine($"  private (central only, keep secret, mode 600): {privatePath}");
            Console.WriteLine($"  public (edges):                                 {publicPath}");
            return 0;
        }));

        var keys = new Command("keys", "Badge signing keys, and integrators' API keys ('venue keys api').");
        keys.Subcommands.Add(create);
        keys.Subcommands.Add(Api());
        return keys;
    }

    private static Command Api()
    {
        var config = CentralCommand.Config;
        var name = new Option<string>("--name") { Description = "Who the key is for, e.g. 'badge printer' or 'CRM sync'.", Required = true };
        var scopes = new Option<string[]>("--scope")
        {
            Description = $"What the key may do; repeat or separate with commas: {string.Join(", ", ApiScope.All)}.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var perMinute = new Option<int?>("--requests-per-minute") { Description = "The key's rate limit (default: Central:ApiRequestsPerMinute, 600)." };
        var create = new Command("create", "Create an integrator API key; prints its token once (only a hash is stored).") { config, name, scopes, perMinute };
        create.SetAction((parse, ct) => VenueCommandLine.Guard(async () =>
        {
            var wanted = parse.GetValue(scopes)!
                .SelectMany(s => s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            var unknown = wanted.Where(s => !ApiScope.IsKnown(s)).ToList();
            if (unknown.Count > 0 || wanted.Count == 0)
            {
                throw new ArgumentException(
                    $"Unknown scope{(unknown.Count == 1 ? "" : "s")} {string.Join(", ", unknown.Select(s => $"'{s}'"))}; the scopes are {string.Join(", ", ApiScope.All)}.");
            }

            var keyName = parse.GetValue(name)!.Trim();
            if (keyName.Length is 0 or > 100)
            {
                throw new ArgumentException("--name is 1 to 100 characters.");
            }

            var options = CentralCommand.LoadOptions(parse.GetValue(config)!);
            var rate = parse.GetValue(perMinute) ?? options.ApiRequestsPerMinute;
            if (rate is < 1 or > 1_000_000)
            {
                throw new ArgumentException("--requests-per-minute is 1 to 1,000,000.");
            }

            await using var store = await CentralStoreFactory.OpenAsync(options, TimeProvider.System, ct);
            var (key, token) = await store.CreateApiKeyAsync(keyName, wanted, rate, DateTimeOffset.UtcNow, ct);
            // Everything but the token goes to stderr, so TOKEN=$(venue keys api create ...) captures the token alone.
            await Console.Error.WriteLineAsync($"Created API key {key.Id} '{key.Name}': {string.Join(", ", key.Scopes)}; {key.RequestsPerMinute} requests per minute.");
            await Console.Error.WriteLineAsync("Its token follows. Store it now: it cannot be shown again (only a hash is kept).");
            Console.WriteLine(token);
            return 0;
        }));

        var list = new Command("list", "List integrator API keys (never their tokens).") { config };
        list.SetAction((parse, ct) => VenueCommandLine.Guard(async () =>
        {
            await using var store = await CentralStoreFactory.OpenAsync(CentralCommand.LoadOptions(parse.GetValue(config)!), TimeProvider.System, ct);
            var all = await store.ListApiKeysAsync(ct);
            if (all.Count == 0)
            {
                Console.WriteLine("No API keys; make one with 'venue keys api create'.");
            }

            foreach (var k in all)
            {
                var state = k.IsActive ? "active " : $"revoked {k.RevokedAt:u}";
                Console.WriteLine($"{k.Id}  {state}  {k.CreatedAt:u}  {k.RequestsPerMinute,7}/min  {k.Name}  [{string.Join(", ", k.Scopes)}]");
            }

            return 0;
        }));

        // --id as 'devices revoke' takes it; the bare id earlier versions documented still works.
        var id = new Argument<string?>("id") { Description = "The key's id (or give it with --id).", Arity = ArgumentArity.ZeroOrOne };
        var idOption = new Option<string?>("--id") { Description = "The key's id, from 'venue keys api list'." };
        var revoke = new Command("revoke", "Revoke an integrator API key (a running central stops accepting it within 10 s).") { config, idOption, id };
        revoke.SetAction((parse, ct) => VenueCommandLine.Guard(async () =>
        {
            var (named, bare) = (parse.GetValue(idOption), parse.GetValue(id));
            var key = (named, bare) switch
            {
                (null, null) => throw new ArgumentException("name the key to revoke: --id ID (the ids are in 'venue keys api list')."),
                ({ } a, { } b) when a != b => throw new ArgumentException($"--id {a} and the id {b} name two keys: give one."),
                _ => named ?? bare!,
            };
            await using var store = await CentralStoreFactory.OpenAsync(CentralCommand.LoadOptions(parse.GetValue(config)!), TimeProvider.System, ct);
            if (!await store.RevokeApiKeyAsync(key, DateTimeOffset.UtcNow, ct))
            {
                await Console.Error.WriteLineAsync($"venue: no active API key '{key}'.");
                return 1;
            }

            Console.WriteLine($"Revoked API key {key}.");
            return 0;
        }));

        var api = new Command("api", "Integrator API keys, with scopes and a rate limit each, stored hashed in central's store.");
        api.Subcommands.Add(create);
        api.Subcommands.Add(list);
        api.Subcommands.Add(revoke);
        return api;
    }

    private static async Task WriteNewAsync(string path, string text, bool ownerOnly)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (ownerOnly && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var file = new FileStream(path, options);
        await using var writer = new StreamWriter(file);
        await writer.WriteAsync(text);
        await writer.FlushAsync();
        file.Flush(flushToDisk: true);
    }
}
