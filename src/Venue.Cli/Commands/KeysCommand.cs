using System.CommandLine;
using Venue.Domain.Tickets;

namespace Venue.Cli.Commands;

/// <summary><c>venue keys create</c>: a badge signing key pair.</summary>
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
            var privatePath = Path.Combine(directory.FullName, $"{id}.private.pem");
            var publicPath = Path.Combine(directory.FullName, $"{id}.public.pem");
            if (File.Exists(privatePath) || File.Exists(publicPath))
            {
                throw new IOException($"Key '{id}' already exists in {directory.FullName}; choose another --kid (rotation keeps old keys).");
            }

            using var key = TicketSigningKey.Create(id);
            directory.Create();
            await File.WriteAllTextAsync(privatePath, key.ExportPrivatePem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(privatePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            await File.WriteAllTextAsync(publicPath, key.ExportPublicPem());
            Console.WriteLine($"Created key '{id}'.");
            Console.WriteLine($"  private (central only, keep secret, mode 600): {privatePath}");
            Console.WriteLine($"  public (edges):                                 {publicPath}");
            return 0;
        }));

        var keys = new Command("keys", "Badge signing keys.");
        keys.Subcommands.Add(create);
        return keys;
    }
}
