using System.Text;

namespace Venue.LoadHarness.Reporting;

/// <summary>Rows of cells, rendered as aligned text for the terminal or as a markdown table.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"Expected {headers.Length} cells, got {cells.Length}.");
        }

        _rows.Add(cells);
    }

    public string ToText()
    {
        var widths = headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        void Line(string[] cells) =>
            text.AppendLine(string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd());
        Line(headers);
        Line(widths.Select(w => new string('-', w)).ToArray());
        _rows.ForEach(Line);
        return text.ToString();
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine($"| {string.Join(" | ", headers)} |");
        text.AppendLine($"| {string.Join(" | ", headers.Select((_, i) => i == 0 ? "---" : "---:"))} |");
        foreach (var row in _rows)
        {
            text.AppendLine($"| {string.Join(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal)))} |");
        }

        return text.ToString();
    }
}
