using Microsoft.Extensions.Options;
using Venue.Edge.Silo;

namespace Venue.Edge.Sync;

/// <summary>Fails the host's start with the uplink's configuration problems spelled out, as <c>venue edge</c> prints them.</summary>
internal sealed class CentralSyncValidation : IValidateOptions<EdgeSiloOptions>
{
    public ValidateOptionsResult Validate(string? name, EdgeSiloOptions options)
    {
        var problems = options.Central.Problems();
        if (string.IsNullOrWhiteSpace(options.LedgerPath) && !options.Central.IsEnabled
            && (string.IsNullOrWhiteSpace(options.DataDirectory) || !File.Exists(LedgerBootstrap.SnapshotPath(options.DataDirectory))))
        {
            problems = [.. problems, EdgeSiloOptions.LedgerPathRequired];
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
