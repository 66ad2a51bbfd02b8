using System.Buffers;
using System.Security.Cryptography;

namespace Venue.Cli.Commands;

/// <summary>
/// RFID readers' broker logins, one file per reader: <c>{dir}/{reader}.password</c>. <c>venue readers
/// credentials</c> makes them; the edge's broker applies them (silo-config/rabbitmq/reader-users.sh),
/// so each reader logs in as its own id and may publish only to its own topic; <c>venue readers
/// simulate --credentials</c> logs in with them as real readers would.
/// </summary>
public static class ReaderCredentials
{
    public const string Extension = ".password";

    /// <summary>What reader-users.sh accepts as a login name (and what needs no escaping in its topic pattern).</summary>
    private static readonly SearchValues<char> LoginCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public enum Outcome
    {
        Made,
        Kept,
        Rotated,
    }

    public static bool IsLoginName(string readerId) => readerId.Length > 0 && !readerId.AsSpan().ContainsAnyExcept(LoginCharacters);

    public static string PathOf(string directory, string readerId) => Path.Combine(directory, readerId + Extension);

    /// <summary>
    /// Makes the reader's password file unless it holds one already (or <paramref name="rotate"/>), through a
    /// temporary file flushed to disk and moved over, so a crash leaves the old password or the new one.
    /// Hex: nothing a shell or rabbitmqctl would take for an option or a quote.
    /// </summary>
    public static Outcome Ensure(string directory, string readerId, bool rotate)
    {
        var path = PathOf(directory, readerId);
        var held = File.Exists(path);
        if (held && !rotate && File.ReadAllText(path).Trim().Length > 0)
        {
            return Outcome.Kept;
        }

        var temporary = path + ".new";
        try
        {
            using (var stream = SecretFile.CreateTemporary(temporary))
            {
                stream.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)) + "\n"));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary); // gone already once moved
        }

        return held ? Outcome.Rotated : Outcome.Made;
    }

    /// <summary>The reader's password, or a message naming the file and the command that makes it.</summary>
    public static string Read(string directory, string readerId)
    {
        var path = PathOf(directory, readerId);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path} does not exist: reader '{readerId}' has no broker login there (make one with 'venue readers credentials --dir {directory}').");
        }

        var password = File.ReadAllText(path).Trim();
        return password.Length > 0 ? password : throw new InvalidDataException($"{path} is empty: make it again with 'venue readers credentials --rotate'.");
    }
}
