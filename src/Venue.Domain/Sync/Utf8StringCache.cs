using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace Venue.Domain.Sync;

/// <summary>
/// Strings already made from UTF-8 bytes, found again by those bytes: a batch names its few gates and
/// ticket types over and over, and one string each is enough. Holds at most <see cref="Capacity"/>
/// values of at most <see cref="MaxBytes"/> bytes, so a batch of endless distinct names cannot grow it;
/// past that, callers make their strings as if there were no cache. Not thread-safe.
/// </summary>
internal sealed class Utf8StringCache
{
    private readonly Slot[] _slots;
    private int _last = -1;

    public Utf8StringCache(int capacity, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        MaxBytes = maxBytes;
        // At most half full, so a probe always ends at an empty slot.
        _slots = new Slot[(int)BitOperations.RoundUpToPowerOf2((uint)capacity * 2)];
    }

    public int Capacity { get; }

    public int MaxBytes { get; }

    public int Count { get; private set; }

    public bool TryGet(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out string? value)
    {
        // Entries often repeat the gate of the one before.
        if (_last >= 0 && utf8.SequenceEqual(_slots[_last].Utf8))
        {
            value = _slots[_last].Value!;
            return true;
        }

        var hash = Hash(utf8);
        var mask = _slots.Length - 1;
        for (var i = hash & mask; _slots[i].Utf8 is { } bytes; i = (i + 1) & mask)
        {
            if (_slots[i].Hash == hash && utf8.SequenceEqual(bytes))
            {
                _last = i;
                value = _slots[i].Value!;
                return true;
            }
        }

        value = null;
        return false;
    }

    /// <summary>Remembers <paramref name="value"/> as the string of <paramref name="utf8"/>, unless the cache is full or the value too long.</summary>
    public void Add(ReadOnlySpan<byte> utf8, string value)
    {
        if (Count == Capacity || utf8.Length > MaxBytes || TryGet(utf8, out _))
        {
            return;
        }

        var hash = Hash(utf8);
        var mask = _slots.Length - 1;
        var i = hash & mask;
        while (_slots[i].Utf8 is not null)
        {
            i = (i + 1) & mask;
        }

        _slots[i] = new Slot(hash, utf8.ToArray(), value);
        _last = i;
        Count++;
    }

    // FNV-1a: the names are short, and a hostile batch that makes them collide only costs probes in a table this small.
    private static int Hash(ReadOnlySpan<byte> utf8)
    {
        var hash = 2166136261;
        foreach (var b in utf8)
        {
            hash = (hash ^ b) * 16777619;
        }

        return (int)(hash & int.MaxValue);
    }

    private readonly record struct Slot(int Hash, byte[]? Utf8, string? Value);
}
