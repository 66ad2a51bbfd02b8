using System.CommandLine.Parsing;

namespace Venue.Cli.Commands;

/// <summary>
/// Parses an absolute address for an argument or option. System.CommandLine 2.0 has no converter
/// for <see cref="Uri"/>: a typed <c>Argument&lt;Uri&gt;</c> refuses every value, so addresses go through here.
/// </summary>
internal static class AddressParser
{
    public static Func<ArgumentResult, Uri?> Absolute(string name, string example, params string[] schemes) => result =>
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (Uri.TryCreate(text, UriKind.Absolute, out var address) && schemes.Contains(address.Scheme, StringComparer.OrdinalIgnoreCase))
        {
            return address;
        }

        result.AddError($"{name} '{text}' is not an absolute {string.Join(" or ", schemes.Select(s => s + "://"))} address, e.g. {example}.");
        return null;
    };
}
