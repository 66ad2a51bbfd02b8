namespace Venue.LoadHarness.Load;

/// <summary>
/// The attendees every target is loaded with before a run: index i is ticket <c>T0000042</c>.
/// Ids are built once so that no target pays for formatting inside a measured check.
/// </summary>
public sealed class Ledger
{
    private readonly string[] _ids;

    public Ledger(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 9_999_999);
        _ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            _ids[i] = IdOf(i);
        }
    }

    public int Count => _ids.Length;

    public string this[int index] => _ids[index];

    /// <summary>The id format; Redis' Lua loader builds the same ids with <c>string.format('T%07d', i)</c>.</summary>
    public static string IdOf(int index) => $"T{index:D7}";
}
