using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Venue.LoadHarness.Targets;

/// <summary>
/// Calibration, not a competitor: the least a durable check can wait for on this disk. The
/// harness floor's in-memory check-and-mark, then a 16-byte record per check appended to a
/// preallocated file, group-committed by one writer thread (everything queued since its last round
/// in one <c>pwrite</c>, then one <c>fdatasync</c>), and the answer handed back on the thread pool as
/// Venue's journal does. No index, no page format, no checkpoint: what any journal that answers
/// after the disk has the scan must wait for at the least.
/// </summary>
/// <remarks>
/// The file is written with zeros and synced before the first phase, so an append overwrites
/// blocks the file system has already allocated and <c>fdatasync</c> has no metadata to write (the
/// cheapest sync there is; SQLite as Venue bundles it calls <c>fsync</c>, which also writes the
/// changed modification time now and then). A phase longer than the preallocation grows the file,
/// and its syncs cost more; the harness' phases stay far below it.
/// </remarks>
internal sealed partial class DiskFloorTarget : ICheckInTarget
{
    private const int RecordBytes = 16;
    private const long PreallocatedRecords = 4 << 20; // 64 MiB
    private const int CompletionSlice = 64;

    private readonly object _gate = new();
    private readonly List<string> _facts = [];
    private List<Pending> _queue = [];
    private List<Pending> _spare = [];
    private bool _stopping;
    private Thread? _writer;
    private SafeFileHandle? _file;
    private int[] _inside = [];
    private byte[] _buffer = new byte[64 * 1024];
    private int _generation = 1;
    private long _appended;
    private long _syncs;

    public string Name => "disk-floor";

    public string Description =>
        "in-memory check-and-mark plus a 16-byte record per check, group-committed to a preallocated file (one pwrite and one fdatasync per round, one writer thread): the least a durable check waits for on this disk";

    public IReadOnlyList<string> Facts => _facts;

    public async Task StartAsync(TargetSetup setup, CancellationToken cancellationToken)
    {
        _inside = new int[setup.Ledger.Count];
        var path = Path.Combine(setup.WorkDirectory, "disk-floor.journal");
        _file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        var zeros = new byte[1 << 20];
        for (long offset = 0; offset < PreallocatedRecords * RecordBytes; offset += zeros.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await RandomAccess.WriteAsync(_file, zeros, offset, cancellationToken);
        }

        Sync();
        _facts.Add($"{PreallocatedRecords * RecordBytes >> 20} MiB preallocated (zeros written and synced), {RecordBytes} B per check");
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "disk-floor writer" };
        _writer.Start();
    }

    public Task ResetAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Between phases nothing is queued: the harness has every answer of the phase.
            Array.Clear(_inside);
            _generation++;
            Interlocked.Exchange(ref _appended, 0);
            Interlocked.Exchange(ref _syncs, 0);
        }

        return Task.CompletedTask;
    }

    public Task<bool> CheckInAsync(int attendeeIndex, int gate, CancellationToken cancellationToken)
    {
        var admitted = Interlocked.CompareExchange(ref _inside[attendeeIndex], 1, 0) == 0;
        var completion = new TaskCompletionSource<bool>();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _queue.Add(new Pending(attendeeIndex, gate, admitted, completion));
            if (_queue.Count == 1)
            {
                Monitor.Pulse(_gate);
            }
        }

        return completion.Task;
    }

    private void WriteLoop()
    {
        while (true)
        {
            List<Pending> batch;
            int generation;
            lock (_gate)
            {
                while (_queue.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_gate);
                }

                if (_queue.Count == 0)
                {
                    return;
                }

                batch = _queue;
                _queue = _spare;
                _spare = batch;
                generation = _generation;
            }

            try
            {
                Append(batch, generation);
                Sync();
                Interlocked.Increment(ref _syncs);
                var done = batch.ToArray();
                for (var from = 0; from < done.Length; from += CompletionSlice)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(new Completion(done, from, Math.Min(done.Length, from + CompletionSlice)), preferLocal: false);
                }
            }
            catch (Exception e)
            {
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(e);
                }
            }

            batch.Clear();
        }
    }

    /// <summary>One record per check: generation, sequence in the phase, attendee, gate, admitted.</summary>
    private void Append(List<Pending> batch, int generation)
    {
        var first = Interlocked.Read(ref _appended);
        var bytes = batch.Count * RecordBytes;
        if (_buffer.Length < bytes)
        {
            _buffer = new byte[Math.Max(bytes, _buffer.Length * 2)];
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var record = _buffer.AsSpan(i * RecordBytes, RecordBytes);
            BinaryPrimitives.WriteInt32LittleEndian(record, generation);
            BinaryPrimitives.WriteInt32LittleEndian(record[4..], checked((int)(first + i)));
            BinaryPrimitives.WriteInt32LittleEndian(record[8..], batch[i].Attendee);
            BinaryPrimitives.WriteInt16LittleEndian(record[12..], checked((short)batch[i].Gate));
            record[14] = batch[i].Admitted ? (byte)1 : (byte)0;
            record[15] = 0xA5;
        }

        RandomAccess.Write(_file!, _buffer.AsSpan(0, bytes), first * RecordBytes);
        Interlocked.Add(ref _appended, batch.Count);
    }

    private void Sync()
    {
        if (FDataSync((int)_file!.DangerousGetHandle()) != 0)
        {
            throw new IOException($"fdatasync failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>
    /// Reads the phase's records back from the file: each must carry this phase's generation and
    /// its own sequence number; attendees inside are those with an admitted record, counted once.
    /// </summary>
    public async Task<TargetTally> TallyAsync(string phase, CancellationToken cancellationToken)
    {
        var appended = Interlocked.Read(ref _appended);
        var syncs = Interlocked.Read(ref _syncs);
        int generation;
        lock (_gate)
        {
            generation = _generation;
        }

        var inside = new HashSet<int>();
        long journaled = 0;
        var chunk = new byte[RecordBytes * 4096];
        for (long at = 0; at < appended; at += chunk.Length / RecordBytes)
        {
            var records = (int)Math.Min(chunk.Length / RecordBytes, appended - at);
            var read = await RandomAccess.ReadAsync(_file!, chunk.AsMemory(0, records * RecordBytes), at * RecordBytes, cancellationToken);
            for (var i = 0; i < read / RecordBytes; i++)
            {
                var record = chunk.AsSpan(i * RecordBytes, RecordBytes);
                if (BinaryPrimitives.ReadInt32LittleEndian(record) != generation
                    || BinaryPrimitives.ReadInt32LittleEndian(record[4..]) != at + i
                    || record[15] != 0xA5)
                {
                    continue;
                }

                journaled++;
                if (record[14] == 1)
                {
                    inside.Add(BinaryPrimitives.ReadInt32LittleEndian(record[8..]));
                }
            }
        }

        if (syncs > 0)
        {
            _facts.Add($"{phase}: {appended:N0} checks in {syncs:N0} syncs ({(double)appended / syncs:N1} per sync)");
        }

        return new TargetTally(inside.Count, journaled);
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        _writer?.Join();
        _file?.Dispose();
        return ValueTask.CompletedTask;
    }

    private readonly record struct Pending(int Attendee, int Gate, bool Admitted, TaskCompletionSource<bool> Completion);

    private sealed class Completion(Pending[] done, int from, int to) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            for (var i = from; i < to; i++)
            {
                done[i].Completion.TrySetResult(done[i].Admitted);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSync(int fd);
}
