using Xunit;
using Xunit.Abstractions;

namespace Venue.Testing;

/// <summary>
/// For tests that need something from the machine (a built executable, a POSIX signal, a database
/// server): on a developer's machine a missing part skips the test with a message; with
/// <c>CI=true</c> it fails, so a broken CI set-up cannot hide behind skips. (xunit 2 has no dynamic skip.)
/// </summary>
public static class Requirement
{
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// True when the requirement is met. Otherwise fails the test under CI, or writes why it is
    /// skipped and returns false (the test then returns early).
    /// </summary>
    public static bool Met(bool met, string what, ITestOutputHelper output)
    {
        if (met)
        {
            return true;
        }

        if (IsCi)
        {
            Assert.Fail($"Required on CI but missing: {what}.");
        }

        output.WriteLine($"SKIPPED (not on CI): {what} is missing on this machine.");
        return false;
    }
}
