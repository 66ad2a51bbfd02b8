using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;

namespace Venue.Domain.Sync;

/// <summary>
/// Reads a <c>POST /v1/sync/journal</c> body (venue-sync/1) straight into journal entries. Central takes
/// batches of 1,000 to 2,000 entries, and going through <see cref="JournalEntryWire"/> made a record and
/// strings for gate, ticket type, direction and reason per entry: most of the ingest's garbage. Here
/// a batch's gates and ticket types are made once each, and direction and reason are read as codes.
/// </summary>
/// <remarks>
/// Accepts and refuses what <see cref="SyncJsonContext"/> followed by <see cref="SyncWireMapping.TryFromWire"/>
/// does: property names in any case, numbers also as strings, an unknown property or anything after the
/// batch but white space is a <see cref="JsonException"/>, a missing property is its default, and a
/// repeated property (in any case) is a <see cref="JsonException"/>. One reader per batch at a time (not thread-safe).
/// </remarks>
public sealed class JournalBatchReader
{
    private const int CachedGates = 64, CachedTicketTypes = 16, MaxCachedBytes = 128, FirstBufferSize = 1024;

    private static readonly PropertyNames BatchNames = new(["edgeId", "entries"]);

    // In JournalEntryWire's order, which is how edges write them.
    private static readonly PropertyNames EntryNames = new(
        ["seq", "hlc", "at", "scannedAt", "gate", "attendee", "ticketType", "direction", "reason", "nonce"]);

    private readonly Utf8StringCache _gates = new(CachedGates, MaxCachedBytes);
    private readonly Utf8StringCache _ticketTypes = new(CachedTicketTypes, MaxCachedBytes);
    private readonly byte[] _scratch = new byte[256];

    // The batch's valid entries so far, in a pooled array: the list handed out is then made at its exact size.
    private JournalEntry[] _pending = [];
    private int _pendingCount;
    private int _entryCount;
    private string? _problem;

    private enum EntryProperty
    {
        Seq, Hlc, At, ScannedAt, Gate, Attendee, TicketType, Direction, Reason, Nonce,
    }

    /// <summary>The batch's property names, as <see cref="JournalBatchWire"/> has them.</summary>
    internal static IReadOnlyList<string> BatchPropertyNames => BatchNames.All;

    /// <summary>An entry's property names, as <see cref="JournalEntryWire"/> has them.</summary>
    internal static IReadOnlyList<string> EntryPropertyNames => EntryNames.All;

    /// <summary>How many distinct gates the reader has kept a string of (at most 64).</summary>
    internal int CachedGateCount => _gates.Count;

    /// <summary>Reads one batch; throws <see cref="JsonException"/> when the body is not a venue-sync/1 journal batch.</summary>
    public JournalBatch Read(ReadOnlySequence<byte> body)
    {
        try
        {
            return ReadBatch(body);
        }
        finally
        {
            ReleasePending();
        }
    }

    private JournalBatch ReadBatch(ReadOnlySequence<byte> body)
    {
        var json = new Utf8JsonReader(body);
        string? edgeId = null;
        var hasEntries = false;
        _pendingCount = 0;
        _entryCount = 0;
        _problem = null;

        if (Next(ref json) != JsonTokenType.Null)
        {
            if (json.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("$: a journal batch is a JSON object.");
            }

            var expected = 0;
            var seen = 0;
            while (Next(ref json) == JsonTokenType.PropertyName)
            {
                var property = BatchNames.Match(Unescaped(ref json), expected);
                if (property < 0)
                {
                    throw UnknownProperty(ref json, "$", "a journal batch");
                }

                seen = Once(seen, property, -1, BatchNames);
                Next(ref json);
                if (property == 0)
                {
                    if (!TryReadString(ref json, out edgeId))
                    {
                        throw new JsonException($"$.edgeId: expected a string or null, not {Describe(json.TokenType)}.");
                    }
                }
                else
                {
                    hasEntries = ReadEntries(ref json);
                }

                expected = property + 1;
            }
        }

        // White space may follow the batch; the reader throws on anything else.
        if (json.Read())
        {
            throw new JsonException("$: the body goes on after the batch.");
        }

        List<JournalEntry>? entries = null;
        if (hasEntries)
        {
            entries = new List<JournalEntry>(_pendingCount);
            entries.AddRange(_pending.AsSpan(0, _pendingCount));
        }

        return new JournalBatch(edgeId, entries, _entryCount, _problem);
    }

    /// <summary>Reads the entries array (false when it is null), keeping the valid entries before the first problem.</summary>
    private bool ReadEntries(ref Utf8JsonReader json)
    {
        if (json.TokenType == JsonTokenType.Null)
        {
            return false;
        }

        if (json.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("$.entries: expected an array.");
        }

        while (Next(ref json) != JsonTokenType.EndArray)
        {
            var index = _entryCount++;
            if (json.TokenType == JsonTokenType.Null)
            {
                _problem ??= "an entry is null";
            }
            else if (json.TokenType == JsonTokenType.StartObject)
            {
                ReadEntry(ref json, index);
            }
            else
            {
                throw new JsonException($"$.entries[{index}]: expected an object.");
            }
        }

        return true;
    }

    private void ReadEntry(ref Utf8JsonReader json, int index)
    {
        long seq = 0, hlc = 0;
        DateTimeOffset at = default, scannedAt = default;
        string? gate = null, attendee = null, ticketType = null, nonce = null, directionCode = null, reasonCode = null;
        ScanDirection? direction = null;
        ScanReason? reason = null;

        var expected = 0;
        var seen = 0;
        while (Next(ref json) == JsonTokenType.PropertyName)
        {
            var property = (EntryProperty)EntryNames.Match(Unescaped(ref json), expected);
            if (property < 0)
            {
                throw UnknownProperty(ref json, $"$.entries[{index}]", "a journal entry");
            }

            seen = Once(seen, (int)property, index, EntryNames);
            Next(ref json);
            var ok = property switch
            {
                EntryProperty.Seq => TryReadInt64(ref json, out seq),
                EntryProperty.Hlc => TryReadInt64(ref json, out hlc),
                EntryProperty.At => TryReadTime(ref json, out at),
                EntryProperty.ScannedAt => TryReadTime(ref json, out scannedAt),
                EntryProperty.Gate => TryReadCachedString(ref json, _gates, out gate),
                EntryProperty.Attendee => TryReadString(ref json, out attendee),
                EntryProperty.TicketType => TryReadCachedString(ref json, _ticketTypes, out ticketType),
                EntryProperty.Direction => TryReadDirection(ref json, out direction, out directionCode),
                EntryProperty.Reason => TryReadReason(ref json, out reason, out reasonCode),
                _ => TryReadString(ref json, out nonce),
            };
            if (!ok)
            {
                throw new JsonException($"$.entries[{index}].{EntryNames[(int)property]}: {Expected(property)}, not {Describe(json.TokenType)}.");
            }

            expected = (int)property + 1;
        }

        if (_problem is not null)
        {
            // Only the first problem is told, and no entry after it is stored: the rest need only be valid JSON.
            return;
        }

        _problem = SyncWireMapping.ProblemOf(seq, hlc, gate, attendee, nonce, direction, directionCode, reason, reasonCode);
        if (_problem is null)
        {
            AddPending(new JournalEntry(gate!, attendee, direction!.Value, reason!.Value, nonce!, scannedAt, at)
            {
                Sequence = seq,
                Hlc = hlc,
                TicketType = ticketType,
            });
        }
    }

    /// <summary>
    /// Marks a property as seen in its object; a second one (names match in any case) refuses the
    /// batch, as <see cref="SyncJsonContext"/> does (AllowDuplicateProperties = false): a body whose
    /// meaning depends on which of two values wins is not one to store.
    /// </summary>
    /// <remarks>The path is built only when refusing: this runs for every property of every entry.</remarks>
    private static int Once(int seen, int property, int entryIndex, PropertyNames names)
    {
        var bit = 1 << property;
        if ((seen & bit) != 0)
        {
            var at = entryIndex < 0 ? "$" : $"$.entries[{entryIndex}]";
            throw new JsonException($"{at}.{names[property]}: the property appears twice.");
        }

        return seen | bit;
    }

    private static string Expected(EntryProperty property) => property switch
    {
        EntryProperty.Seq or EntryProperty.Hlc => "expected a 64-bit whole number (or one in a string)",
        EntryProperty.At or EntryProperty.ScannedAt => "expected an ISO 8601 time in a string",
        _ => "expected a string or null",
    };

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "this string",
        JsonTokenType.Number => "this number",
        _ => token.ToString(),
    };

    // Web defaults read numbers from strings too, with System.Text.Json's own parser (a sign, digits, nothing else).
    private bool TryReadInt64(ref Utf8JsonReader json, out long value)
    {
        if (json.TokenType == JsonTokenType.Number)
        {
            return json.TryGetInt64(out value);
        }

        value = 0;
        if (json.TokenType != JsonTokenType.String)
        {
            return false;
        }

        var text = Unescaped(ref json);
        return Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length;
    }

    private static bool TryReadTime(ref Utf8JsonReader json, out DateTimeOffset value)
    {
        value = default;
        try
        {
            return json.TokenType == JsonTokenType.String && json.TryGetDateTimeOffset(out value);
        }
        catch (InvalidOperationException e)
        {
            throw NotText(e);
        }
    }

    private static bool TryReadString(ref Utf8JsonReader json, out string? value)
    {
        value = null;
        switch (json.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String:
                value = GetString(ref json);
                return true;
            default:
                return false;
        }
    }

    private bool TryReadCachedString(ref Utf8JsonReader json, Utf8StringCache cache, out string? value)
    {
        if (json.TokenType != JsonTokenType.String)
        {
            return TryReadString(ref json, out value);
        }

        var utf8 = Unescaped(ref json);
        if (!cache.TryGet(utf8, out value))
        {
            // GetString checks the UTF-8 once; bytes equal to checked ones need no check.
            value = GetString(ref json);
            cache.Add(utf8, value);
        }

        return true;
    }

    private bool TryReadDirection(ref Utf8JsonReader json, out ScanDirection? direction, out string? code)
    {
        direction = null;
        code = null;
        if (json.TokenType != JsonTokenType.String)
        {
            return json.TokenType == JsonTokenType.Null;
        }

        var utf8 = Unescaped(ref json);
        if (utf8.SequenceEqual("entry"u8))
        {
            direction = ScanDirection.Entry;
        }
        else if (utf8.SequenceEqual("exit"u8))
        {
            direction = ScanDirection.Exit;
        }
        else
        {
            // Only an unknown code is made a string, for the problem that quotes it.
            code = GetString(ref json);
        }

        return true;
    }

    private bool TryReadReason(ref Utf8JsonReader json, out ScanReason? reason, out string? code)
    {
        reason = null;
        code = null;
        if (json.TokenType != JsonTokenType.String)
        {
            return json.TokenType == JsonTokenType.Null;
        }

        if (ScanReasons.TryParse(Unescaped(ref json), out var known))
        {
            reason = known;
        }
        else
        {
            code = GetString(ref json);
        }

        return true;
    }

    private static string GetString(ref Utf8JsonReader json)
    {
        try
        {
            return json.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw NotText(e);
        }
    }

    /// <summary>
    /// The current string or property name as UTF-8 without escapes: the body's own bytes when they are in
    /// one piece and unescaped (nearly always), else a copy that is good until the next call.
    /// </summary>
    private ReadOnlySpan<byte> Unescaped(ref Utf8JsonReader json)
    {
        if (!json.HasValueSequence && !json.ValueIsEscaped)
        {
            return json.ValueSpan;
        }

        var length = json.HasValueSequence ? checked((int)json.ValueSequence.Length) : json.ValueSpan.Length;
        var destination = length <= _scratch.Length ? _scratch : new byte[length];
        try
        {
            return destination.AsSpan(0, json.CopyString(destination));
        }
        catch (InvalidOperationException e)
        {
            throw NotText(e);
        }
    }

    private JsonException UnknownProperty(ref Utf8JsonReader json, string path, string what) =>
        new($"{path}: '{Encoding.UTF8.GetString(Unescaped(ref json))}' is not a property of {what}.");

    // The reader's own word for text that is not valid UTF-8 or UTF-16 is an InvalidOperationException.
    private static JsonException NotText(InvalidOperationException e) => new(e.Message, e);

    private static JsonTokenType Next(ref Utf8JsonReader json) =>
        json.Read() ? json.TokenType : throw new JsonException("The batch ends before it is complete.");

    private void AddPending(JournalEntry entry)
    {
        if (_pendingCount == _pending.Length)
        {
            var larger = ArrayPool<JournalEntry>.Shared.Rent(Math.Max(FirstBufferSize, _pending.Length * 2));
            _pending.AsSpan(0, _pendingCount).CopyTo(larger);
            ReleasePending();
            _pending = larger;
        }

        _pending[_pendingCount++] = entry;
    }

    private void ReleasePending()
    {
        if (_pending.Length > 0)
        {
            // Cleared, so a pooled array does not keep a batch's entries alive.
            ArrayPool<JournalEntry>.Shared.Return(_pending, clearArray: true);
            _pending = [];
        }
    }

    /// <summary>A small set of property names, matched as System.Text.Json matches them with case-insensitive names.</summary>
    private sealed class PropertyNames(string[] names)
    {
        private readonly string[] _names = names;
        private readonly byte[][] _utf8 = [.. names.Select(Encoding.UTF8.GetBytes)];

        public IReadOnlyList<string> All => _names;

        public string this[int index] => _names[index];

        /// <summary>The index of <paramref name="name"/>, or -1; <paramref name="expected"/> is tried first.</summary>
        public int Match(ReadOnlySpan<byte> name, int expected)
        {
            if (expected < _utf8.Length && name.SequenceEqual(_utf8[expected]))
            {
                return expected;
            }

            for (var i = 0; i < _utf8.Length; i++)
            {
                if (Ascii.EqualsIgnoreCase(name, _utf8[i]))
                {
                    return i;
                }
            }

            return Ascii.IsValid(name) ? -1 : MatchAsText(Encoding.UTF8.GetString(name));
        }

        // System.Text.Json compares names as strings, ignoring case ordinally; so do the odd non-ASCII ones here.
        // Kept out of Match: a closure there would be allocated on every call, not only on this rare path.
        private int MatchAsText(string name) => Array.FindIndex(_names, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>
/// A journal batch as <see cref="JournalBatchReader"/> read it. <see cref="Entries"/> is null when the batch
/// or its entries array is null or missing. <see cref="Problem"/> is the first invalid entry's problem (the
/// words of <see cref="SyncWireMapping.TryFromWire"/>), and then <see cref="Entries"/> holds only the valid
/// entries before it, so a caller checking entries in order meets the same thing first.
/// <see cref="EntryCount"/> counts every element of the entries array, valid or not.
/// </summary>
public sealed record JournalBatch(string? EdgeId, List<JournalEntry>? Entries, int EntryCount, string? Problem);
