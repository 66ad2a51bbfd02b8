using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Threading.Channels;

namespace Venue.Console.Tests.Infrastructure;

/// <summary>One event as a client reads it off the wire.</summary>
public sealed record SseMessage(string Type, string? Id, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;

    /// <summary>The event's sequence number (0 for events outside the sequence, such as resync).</summary>
    public long Seq => Json.TryGetProperty("seq", out var seq) && Type != "resync" ? seq.GetInt64() : 0;

    public JsonElement Payload => Json.GetProperty("data");
}

/// <summary>
/// A client of the live stream over real HTTP, read with the framework's own SSE parser (so the
/// wire format is checked by something other than the code that writes it).
/// </summary>
public sealed class SseStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<SseMessage> _events = Channel.CreateUnbounded<SseMessage>();
    private readonly Task _reading;

    private SseStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reading = ReadAsync(body);
    }

    public HttpStatusCode Status => _response.StatusCode;

    public string? ContentType => _response.Content.Headers.ContentType?.MediaType;

    /// <summary>Opens the stream; <paramref name="lastEventId"/> is sent as the Last-Event-ID header, as a reconnecting browser does.</summary>
    public static async Task<SseStream> OpenAsync(HttpClient http, string path = "/console/api/stream", string? lastEventId = null, string? bearer = null,
        string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStreamAsync();
        return new SseStream(response, body);
    }

    private async Task ReadAsync(Stream body)
    {
        try
        {
            var parser = SseParser.Create(body);
            await foreach (var item in parser.EnumerateAsync(_stop.Token))
            {
                await _events.Writer.WriteAsync(new SseMessage(item.EventType, item.EventId, item.Data));
            }

            _events.Writer.TryComplete();
        }
        catch (Exception e)
        {
            _events.Writer.TryComplete(e is OperationCanceledException ? null : e);
        }
    }

    /// <summary>The next event, within <see cref="Signal.Limit"/>.</summary>
    public async Task<SseMessage> NextAsync(string awaited) => await _events.Reader.ReadAsync().AsTask().WithTimeout(awaited);

    /// <summary>The next events of a type, skipping others, within the time limit.</summary>
    public async Task<IReadOnlyList<SseMessage>> TakeAsync(int count, string? type = null)
    {
        var taken = new List<SseMessage>();
        while (taken.Count < count)
        {
            var next = await NextAsync($"event {taken.Count + 1} of {count}{(type is null ? "" : $" of type '{type}'")}");
            if (type is null || next.Type == type)
            {
                taken.Add(next);
            }
        }

        return taken;
    }

    /// <summary>True once the server has ended the response and every event was read.</summary>
    public async Task<bool> EndsAsync()
    {
        try
        {
            return !await _events.Reader.WaitToReadAsync().AsTask().WithTimeout("the server to end the stream");
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        try
        {
            await _reading;
        }
        catch (Exception)
        {
            // The connection was cut under the reader; that is how a stream is closed here.
        }

        _stop.Dispose();
    }
}
