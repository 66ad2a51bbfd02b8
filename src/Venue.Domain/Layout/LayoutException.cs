namespace Venue.Domain.Layout;

/// <summary>A venue layout that cannot be used: every problem found, in operator words.</summary>
public sealed class LayoutException : Exception
{
    public LayoutException(IReadOnlyList<string> problems, Exception? innerException = null)
        : base(Describe(problems), innerException)
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }

    private static string Describe(IReadOnlyList<string> problems) =>
        problems.Count == 1
            ? $"The venue layout is not usable: {problems[0]}"
            : $"The venue layout is not usable ({problems.Count} problems):{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", problems)}";
}
