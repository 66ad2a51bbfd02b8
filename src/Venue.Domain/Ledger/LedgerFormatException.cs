namespace Venue.Domain.Ledger;

public sealed class LedgerFormatException(string source, int line, string problem)
    : Exception(line > 0 ? $"{source} line {line}: {problem}" : $"{source}: {problem}")
{
    public string SourceName { get; } = source;
    public int Line { get; } = line;
}
