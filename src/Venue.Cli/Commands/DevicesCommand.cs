using System.CommandLine;
using Venue.Domain.Devices;

namespace Venue.Cli.Commands;

/// <summary>
/// <c>devices add|list|revoke</c>, for whichever silo holds the credentials: an edge (scanners,
/// readers, ops users) or central (edges and ops users).
/// </summary>
public static class DevicesCommand
{
    /// <summary>Opens the credential store named by a config file; the second value, when not null, is disposed after use.</summary>
    public delegate Task<(IDeviceCredentialStore Store, IAsyncDisposable? Owner)> OpenStore(FileInfo config, CancellationToken cancellationToken);

    /// <param name="roles">The roles this silo authorizes, the default first: a token of any other role would be refused everywhere on it.</param>
    public static Command Create(string description, Option<FileInfo> config, OpenStore open, params DeviceRole[] roles)
    {
        var allowed = string.Join(", ", roles.Select(r => r.ToString().ToLowerInvariant()));
        var name = new Option<string>("--name") { Description = "What the device is, e.g. 'north lane 3' (for an edge: its EdgeId).", Required = true };
        var role = new Option<DeviceRole>("--role") { Description = $"One of {allowed}.", DefaultValueFactory = _ => roles[0] };
        role.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<DeviceRole>() is var r && !roles.Contains(r))
            {
                result.AddError($"--role {r.ToString().ToLowerInvariant()} is not used here; the roles are {allowed}.");
            }
        });
        var add = new Command("add", "Register a device; prints its token once (only a hash is stored).") { config, name, role };
        add.SetAction((parse, ct) => WithStore(parse.GetValue(config)!, open, ct, async store =>
        {
            var (credential, token) = await store.CreateAsync(parse.GetValue(name)!, parse.GetValue(role), ct);
            Console.WriteLine($"Registered {credential.Role.ToString().ToLowerInvariant()} '{credential.Name}' as {credential.Id}. Its token (shown once):");
            Console.WriteLine(token);
            return 0;
        }));

        var list = new Command("list", "List registered devices.") { config };
        list.SetAction((parse, ct) => WithStore(parse.GetValue(config)!, open, ct, async store =>
        {
            foreach (var d in await store.ListAsync(ct))
            {
                Console.WriteLine($"{d.Id}  {d.Role.ToString().ToLowerInvariant(),-8} {(d.IsActive ? "active " : "revoked")}  {d.CreatedAt:u}  {d.Name}");
            }

            return 0;
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

    private static Task<int> WithStore(FileInfo config, OpenStore open, CancellationToken ct, Func<IDeviceCredentialStore, Task<int>> body) =>
        VenueCommandLine.Guard(async () =>
        {
            var (store, owner) = await open(config, ct);
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
