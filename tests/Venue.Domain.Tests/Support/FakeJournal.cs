using Venue.Domain.Journal;

namespace Venue.Domain.Tests;

/// <summary>
/// An in-memory <see cref="ICheckInJournal"/>: records entries and assigns sequences from 1. Appends
/// complete asynchronously (as a real journal's do, after its disk sync), and can be told to fail.
/// </summary>
internal sealed class FakeJournal : ICheckInJournal
{
    private readonly object _gate = new();
    private readonly List<JournalEntry> _entries = [];
    private int _failuresToInject;

    public IReadOnlyList<JournalEntry> Entries
    {
        get { lock (_gate) { return [.. _entries]; } }
    }

    /// <summary>The next <paramref name="appends"/> appends fail with <see cref="JournalUnavailableException"/>.</summary>
    public void FailNext(int appends = 1)
    {
        lock (_gate)
        {
            _failuresToInject = appends;
        }
    }

    public async Task<JournalEntry> AppendAsync(JournalEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await Task.Yield();
        lock (_gate)
        {
            if (_failuresToInject > 0)
            {
                _failuresToInject--;
                throw new JournalUnavailableException();
            }

            var stored = entry with { Sequence = _entries.Count + 1, Hlc = _entries.Count + 1 };
            _entries.Add(stored);
            return stored;
        }
    }
}

internal sealed class JournalUnavailableException() : IOException("The journal's disk went away (injected by the test).");
