using System.CommandLine;
using Venue.Domain.Devices;

namespace Venue.Cli.Commands;

/// <summary>
/// <c>devices add|list|revoke</c>, for whichever silo holds the credentials: an edge (scanners,
/// readers, ops users) or central (edges and ops users).
/// </summary>
public static partial class DevicesCommand
{
    /// <summary>Opens the credential store named by a config file; the second value, when not null, is disposed after use.</summary>
    /// <param name="create">False for list and revoke: a store that does not exist yet is not made (a mistyped data directory would be), and <see cref="FileNotFoundException"/> says so.</param>
    public delegate Task<(IDeviceCredentialStore Store, IAsyncDisposable? Owner)> OpenStore(FileInfo config, bool create, CancellationToken cancellationToken);

    /// <param name="checkName">What is wrong with a name given the silo's config file (null: nothing), checked before anything is registered; null to check nothing.</param>
    /// <param name="roles">The roles this silo authorizes, the default first: a token of any other role would be refused everywhere on it.</param>
    public static Command Create(string description, Option<FileInfo> config, OpenStore open, Func<FileInfo, string, string?>? checkName, params DeviceRole[] roles)
    {
        var allowed = string.Join(", ", roles.Select(r => r.ToString().ToLowerInvariant()));
        var name = new Option<string>("--name") { Description = "What the device is, e.g. 'north lane 3' (for an edge: its EdgeId).", Required = true };
        var role = new Option<DeviceRole>("--role") { Description = $"One of {allowed}.", DefaultValueFactory = _ => roles[0] };
        var tokenFile = new Option<FileInfo?>("--token-file")
        {
            Description = "Write the token to this file (owner-only, whole or not at all) instead of printing it. If the file already holds a token " +
                "this silo accepts for a device of this name and role, nothing is registered: safe to run at every start.",
        };
        var add = new Command("add", "Register a device; prints its token once (only a hash is stored).") { config, name, role, tokenFile };
        // The role is checked in the action, not by a validator: a parse error prints the whole help and
        // exits 1, where a value refused is one line and exit 2. Checked before the store is opened.
        add.SetAction((parse, ct) => WithStore(parse.GetValue(config)!, open, ct, async store =>
        {
            var file = parse.GetValue(tokenFile);
            if (file is null)
            {
                var (credential, token) = await store.CreateAsync(parse.GetValue(name)!, parse.GetValue(role), ct);
                Console.WriteLine($"Registered {credential.Role.ToString().ToLowerInvariant()} '{credential.Name}' as {credential.Id}. Its token (shown once):");
                Console.WriteLine(token);
                return 0;
            }

            return await AddToFileAsync(store, parse.GetValue(name)!, parse.GetValue(role), file, ct);
        }, check: () =>
        {
            var r = parse.GetValue(role);
            if (!roles.Contains(r))
            {
                throw new ArgumentException($"--role {r.ToString().ToLowerInvariant()} is not used here; the roles are {allowed}.");
            }

            var n = parse.GetValue(name)!;
            // Names are printed by 'devices list' and in logs: a line break or an escape sequence would forge lines or repaint a terminal.
            if (n.Any(char.IsControl))
            {
                throw new ArgumentException("--name must not hold control characters (line breaks, tabs, escape sequences).");
            }

            // An edge's sync credential must carry the edge's id: central refuses an upload under any other name ("Wrong edge").
            if (r == DeviceRole.Edge && !EdgeIdPattern().IsMatch(n))
            {
                throw new ArgumentException($"--name '{n}' is not an edge id: an edge credential's name is the EdgeId of the edge that uses it (1 to 32 lowercase letters, digits or '-').");
            }

            if (parse.GetValue(tokenFile) is { } target && Directory.Exists(target.FullName))
            {
                throw new ArgumentException($"--token-file {target.FullName} is a directory; give the file to write the token to. Nothing was registered.");
            }

            if (n.StartsWith(Edge.Telemetry.BoothApps.NamePrefix, StringComparison.Ordinal) && r != DeviceRole.Scanner)
            {
                throw new ArgumentException($"--name {n} names a booth app, whose credential is a scanner (it captures and exports that booth's leads only): leave --role out.");
            }

            if (checkName?.Invoke(parse.GetValue(config)!, n) is { } problem)
            {
                throw new ArgumentException(problem);
            }
        }, create: true));

        var list = new Command("list", "List registered devices.") { config };
        list.SetAction((parse, ct) => WithStore(parse.GetValue(config)!, open, ct, async store =>
        {
            foreach (var d in await store.ListAsync(ct))
            {
                Console.WriteLine($"{d.Id}  {d.Role.ToString().ToLowerInvariant(),-8} {(d.IsActive ? "active " : "revoked")}  {d.CreatedAt:u}  {d.Name}");
            }

            return 0;
        }, none: missing =>
        {
            Console.WriteLine(missing.Message);
            return Task.FromResult(0);
        }));

        var id = new Option<string>("--id") { Description = "Device id from 'list'.", Required = true };
        var revoke = new Command("revoke", "Revoke a device's token (takes effect within 10 s on a running silo).") { config, id };
        revoke.SetAction((parse, ct) => WithStore(parse.GetValue(config)!, open, ct, async store =>
        {
            if (!await store.RevokeAsync(parse.GetValue(id)!, ct))
            {
                await Console.Error.WriteLineAsync($"venue: no active device '{parse.GetValue(id)}'.");
                return 1;
            }

            Console.WriteLine($"Revoked {parse.GetValue(id)}.");
            return 0;
        }));

        var devices = new Command("devices", description);
        devices.Subcommands.Add(add);
        devices.Subcommands.Add(list);
        devices.Subcommands.Add(revoke);
        return devices;
    }

    [System.Text.RegularExpressions.GeneratedRegex(Edge.Silo.EdgeSiloOptions.EdgeIdPattern)]
    private static partial System.Text.RegularExpressions.Regex EdgeIdPattern();

    /// <summary>
    /// <c>add --token-file</c>: keeps the token the file holds while this silo still accepts it for
    /// the same name and role; otherwise (no file, a revoked token, a database made anew) registers
    /// a device and replaces the file through a temporary one flushed to disk, so a crash leaves the
    /// old file or the new one, never a part.
    /// </summary>
    private static async Task<int> AddToFileAsync(IDeviceCredentialStore store, string name, DeviceRole role, FileInfo file, CancellationToken ct)
    {
        var roleName = role.ToString().ToLowerInvariant();
        if (file.Exists)
        {
            var held = (await File.ReadAllTextAsync(file.FullName, ct)).Trim();
            if (await store.AuthenticateAsync(held, ct) is { } current && current.Name == name && current.Role == role)
            {
                Console.WriteLine($"{roleName} '{name}' keeps its token in {file.FullName} ({current.Id}).");
                return 0;
            }

            Console.WriteLine($"The token in {file.FullName} is not an active {roleName} '{name}' here (revoked, or the database is new): registering another.");
        }

        if (file.Directory is { Exists: false } missing)
        {
            await Console.Error.WriteLineAsync($"venue: the directory of --token-file, {missing.FullName}, does not exist; create it first. Nothing was registered.");
            return 2;
        }

        var temporary = file.FullName + ".new";
        // The file first: a directory that cannot be written is found before anything is registered.
        var stream = SecretFile.CreateTemporary(temporary);
        DeviceCredential credential;
        try
        {
            (credential, var token) = await store.CreateAsync(name, role, ct);
            try
            {
                await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(token + "\n"), ct);
                stream.Flush(flushToDisk: true);
                await stream.DisposeAsync();
                File.Move(temporary, file.FullName, overwrite: true);
            }
            catch
            {
                // A credential whose token is nowhere would stay active for ever: take it back.
                await store.RevokeAsync(credential.Id, CancellationToken.None);
                throw;
            }
        }
        finally
        {
            await stream.DisposeAsync();
            File.Delete(temporary); // gone already once moved
        }

        Console.WriteLine($"Registered {roleName} '{credential.Name}' as {credential.Id}. Its token is in {file.FullName}.");
        return 0;
    }

    /// <param name="check">Refuses the command's values (throwing) before the store is opened.</param>
    private static Task<int> WithStore(FileInfo config, OpenStore open, CancellationToken ct, Func<IDeviceCredentialStore, Task<int>> body, Action? check = null,
        bool create = false, Func<FileNotFoundException, Task<int>>? none = null) =>
        VenueCommandLine.Guard(async () =>
        {
            check?.Invoke();
            IDeviceCredentialStore store;
            IAsyncDisposable? owner;
            try
            {
                (store, owner) = await open(config, create, ct);
            }
            catch (FileNotFoundException missing) when (none is not null)
            {
                return await none(missing);
            }

            try
            {
                return await body(store);
            }
            finally
            {
                if (owner is not null)
                {
                    await owner.DisposeAsync();
                }
            }
        });
}
