using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Venue.Domain.Sync;

namespace Venue.Edge.Sync;

/// <summary>
/// The edge's side of venue-sync/1 (docs/sync-protocol.md): one method per endpoint, bodies through
/// the source-generated <see cref="SyncJsonContext"/>. Every failure (no connection, timeout, error
/// status, malformed body) comes out as a <see cref="CentralException"/>; deciding when to retry is
/// the caller's job.
/// </summary>
public sealed class CentralClient : IDisposable
{
    private const int MaxProblemBytes = 4096;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeSpan _requestTimeout;

    /// <summary>
    /// Wraps an HttpClient whose <see cref="HttpClient.BaseAddress"/> is central and which sends the
    /// edge's bearer token (as <see cref="Create"/> sets it up). Its own Timeout is not used: each
    /// request gets <paramref name="requestTimeout"/>, plus the wait on a long poll.
    /// </summary>
    public CentralClient(HttpClient http, TimeSpan requestTimeout)
        : this(http, requestTimeout, ownsHttp: false)
    {
    }

    private CentralClient(HttpClient http, TimeSpan requestTimeout, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(http.BaseAddress);
        _http = http;
        _ownsHttp = ownsHttp;
        _requestTimeout = requestTimeout;
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>
    /// A client for the configured central. <paramref name="handler"/> replaces the default socket
    /// handler (a test's or a simulator's fault-injecting one); it is not disposed with the client.
    /// </summary>
    /// <param name="eventId">The event of the edge's ledger, sent with every request (<see cref="SyncHeaders.Event"/>); null before it has one.</param>
    public static CentralClient Create(CentralSyncOptions options, HttpMessageHandler? handler = null, string? eventId = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsEnabled)
        {
            throw new ArgumentException("Edge:Central:Url is not set.", nameof(options));
        }

        var baseAddress = options.Url!.EndsWith('/') ? options.Url : options.Url + "/";
        var http = handler is null
            ? new HttpClient(new SocketsHttpHandler
            {
                // New connections now and then, so a central moved behind DNS is found again.
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ConnectTimeout = options.RequestTimeout,
            }, disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = new Uri(baseAddress, UriKind.Absolute);
        http.Timeout = Timeout.InfiniteTimeSpan;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token?.Trim());
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("venue-edge", "1"));
        if (eventId is not null)
        {
            // Percent-encoded: an event id is any UTF-8, a header value ASCII.
            http.DefaultRequestHeaders.Add(SyncHeaders.Event, Uri.EscapeDataString(eventId));
        }

        return new CentralClient(http, options.RequestTimeout, ownsHttp: true);
    }

    /// <summary>GET /v1/sync/journal/position: where central's copy of this edge's journal ends without a gap.</summary>
    public Task<JournalPositionWire> GetJournalPositionAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/sync/journal/position", null, SyncJsonContext.Default.JournalPositionWire, _requestTimeout, cancellationToken);

    /// <summary>
    /// GET /v1/sync/journal/entries/{seq}: the entry of this edge's journal central holds there; null
    /// when central answers 404 (it holds none there, or it predates this call and cannot say).
    /// </summary>
    public async Task<JournalEntryWire?> GetJournalEntryAsync(long sequence, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendAsync(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"v1/sync/journal/entries/{sequence}"), null,
                SyncJsonContext.Default.JournalEntryWire, _requestTimeout, cancellationToken);
        }
        catch (CentralException e) when (e.StatusCode == 404)
        {
            return null;
        }
    }

    /// <summary>POST /v1/sync/journal: stores entries (idempotent by edge and sequence); resume after the receipt's highestContiguous.</summary>
    public Task<JournalReceiptWire> UploadAsync(JournalBatchWire batch, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/sync/journal", JsonContent.Create(batch, SyncJsonContext.Default.JournalBatchWire),
            SyncJsonContext.Default.JournalReceiptWire, _requestTimeout, cancellationToken);

    /// <summary>
    /// GET /v1/sync/changes: a long poll; central answers at once when something is new, else after
    /// <paramref name="wait"/>. <paramref name="ledgerAt"/> and <paramref name="passagesAt"/> are the
    /// marks central sent with the positions asked from, if known; the answer carries the marks of its own.
    /// </summary>
    public async Task<ChangesAnswer> GetChangesAsync(long ledgerAfter, long passagesAfter, TimeSpan wait, CancellationToken cancellationToken = default,
        string? ledgerAt = null, string? passagesAt = null)
    {
        var seconds = (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 0, CentralSyncOptions.MaxChangesWait.TotalSeconds);
        var path = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"v1/sync/changes?ledgerAfter={ledgerAfter}&passagesAfter={passagesAfter}&wait={seconds}"));
        if (ledgerAt is not null)
        {
            path.Append("&ledgerAt=").Append(Uri.EscapeDataString(ledgerAt));
        }

        if (passagesAt is not null)
        {
            path.Append("&passagesAt=").Append(Uri.EscapeDataString(passagesAt));
        }

        string? answerLedgerAt = null, answerPassagesAt = null, keys = null;
        var page = await SendAsync(HttpMethod.Get, path.ToString(), null, SyncJsonContext.Default.LedgerChangesWire, _requestTimeout + TimeSpan.FromSeconds(seconds), cancellationToken,
            response =>
            {
                answerLedgerAt = Header(response, SyncHeaders.LedgerAt);
                answerPassagesAt = Header(response, SyncHeaders.PassagesAt);
                keys = Header(response, SyncHeaders.Keys);
            });
        return new ChangesAnswer(page, answerLedgerAt, answerPassagesAt) { KeysFingerprint = keys };
    }

    /// <summary>GET /v1/sync/keys: every public key central honours.</summary>
    public Task<LedgerKeysWire> GetKeysAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/sync/keys", null, SyncJsonContext.Default.LedgerKeysWire, _requestTimeout, cancellationToken);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>PUT /v1/sync/status: this edge's row in central's silo table.</summary>
    public async Task PutStatusAsync(EdgeStatusWire status, CancellationToken cancellationToken = default)
    {
        const string What = "PUT /v1/sync/status";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_requestTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, "v1/sync/status") { Content = JsonContent.Create(status, SyncJsonContext.Default.EdgeStatusWire) };
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            await EnsureSuccessAsync(response, What, timeout.Token);
        }
        catch (Exception e) when (Translate(e, What, cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>
    /// GET /v1/sync/ledger: streams the snapshot into <paramref name="path"/> (flushed to disk) and
    /// returns the version and passage cursor central sent with it. The caller validates the file.
    /// No total time limit, since a big ledger over a slow link takes a while; but each read must
    /// bring bytes within the request timeout.
    /// </summary>
    public async Task<SnapshotDownload> DownloadSnapshotAsync(string path, CancellationToken cancellationToken = default)
    {
        const string What = "GET /v1/sync/ledger";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_requestTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "v1/sync/ledger");
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            await EnsureSuccessAsync(response, What, timeout.Token);
            var version = ReadLongHeader(response, SyncHeaders.LedgerVersion);
            var cursor = ReadLongHeader(response, SyncHeaders.PassagesCursor) ?? 0;
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            var buffer = new byte[1 << 16];
            long bytes = 0;
            while (true)
            {
                timeout.CancelAfter(_requestTimeout);
                var read = await body.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                await file.WriteAsync(buffer.AsMemory(0, read), timeout.Token);
                bytes += read;
            }

            await file.FlushAsync(timeout.Token);
            file.Flush(flushToDisk: true);
            return new SnapshotDownload(version, cursor, bytes);
        }
        catch (Exception e) when (Translate(e, What, cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> answer, TimeSpan limit, CancellationToken cancellationToken,
        Action<HttpResponseMessage>? headers = null)
    {
        var what = $"{method} /{path.Split('?')[0]}";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            using var request = new HttpRequestMessage(method, path) { Content = content };
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            await EnsureSuccessAsync(response, what, timeout.Token);
            headers?.Invoke(response);
            return await response.Content.ReadFromJsonAsync(answer, timeout.Token)
                ?? throw new CentralException($"{what}: central answered 'null' instead of a JSON object.", (int)response.StatusCode);
        }
        catch (Exception e) when (Translate(e, what, cancellationToken, limit) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>
    /// Turns what HttpClient and the JSON reader throw into one exception type; the caller's own
    /// cancellation passes through, and so does a disk error writing a snapshot (not the link's fault).
    /// HttpClient mostly wraps network failures in HttpRequestException, but not all: a connection
    /// reset while connecting can surface as a bare SocketException.
    /// </summary>
    private CentralException? Translate(Exception e, string what, CancellationToken cancellationToken, TimeSpan? limit = null) => e switch
    {
        CentralException => null,
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        OperationCanceledException => new CentralException(
            $"{what}: no answer from {BaseAddress} within {(limit ?? _requestTimeout).TotalSeconds:0.#} s.", null, e),
        HttpRequestException or SocketException or AuthenticationException =>
            new CentralException($"{what}: {BaseAddress} is unreachable: {e.Message}", null, e),
        HttpIOException or IOException { InnerException: SocketException } =>
            new CentralException($"{what}: the connection to {BaseAddress} broke: {e.Message}", null, e),
        JsonException j => new CentralException($"{what}: central's answer is not venue-sync/1 JSON: {j.Message}", 200, e),
        NotSupportedException n => new CentralException($"{what}: central's answer is not JSON: {n.Message}", 200, e),
        _ => null,
    };

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var problem = await ReadProblemAsync(response, cancellationToken);
        throw new CentralException($"{what}: central answered {status} {response.ReasonPhrase}{(problem is null ? "" : $": {problem}")}", status);
    }

    /// <summary>The title and detail of an RFC 9457 problem body, or the start of whatever else came back.</summary>
    private static async Task<string?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxProblemBytes];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
            }

            if (length == 0)
            {
                return null;
            }

            try
            {
                using var json = JsonDocument.Parse(buffer.AsMemory(0, length));
                var title = json.RootElement.TryGetProperty("title", out var t) ? t.GetString() : null;
                var detail = json.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
                return string.Join(": ", new[] { title, detail }.Where(s => !string.IsNullOrEmpty(s)));
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                var text = Encoding.UTF8.GetString(buffer, 0, Math.Min(length, 200)).ReplaceLineEndings(" ");
                return text.Trim();
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return null;
        }
    }

    private static long? ReadLongHeader(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values)
        && long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}

/// <summary>A downloaded snapshot: the ledger version and passage cursor central sent with it (headers), and its size.</summary>
public sealed record SnapshotDownload(long? LedgerVersion, long PassagesCursor, long Bytes);
