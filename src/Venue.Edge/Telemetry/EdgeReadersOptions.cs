using System.ComponentModel.DataAnnotations;
using Venue.Domain.Readers;
using Venue.Messaging.RabbitMq;

namespace Venue.Edge.Telemetry;

/// <summary>The <c>Edge:Readers</c> section: how RFID readers reach this edge (HTTP always; MQTT through RabbitMQ when enabled).</summary>
public sealed class EdgeReadersOptions
{
    /// <summary>Largest reads payload accepted over HTTP (and over AMQP unless the broker section says otherwise).</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = ReaderPayloads.DefaultMaxBytes;

    /// <summary>
    /// How far ahead of the edge's clock a read's timestamp may be. A read further ahead (a reader
    /// whose clock is wrong) is dropped and counted, not journaled: one read stamped hours ahead would
    /// otherwise hold its portal, its attendee and its zone's minute series at that time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxClockAhead { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long live read batches wait for one journaled before them that has not come to routing (its
    /// caller stalled or died between the commit and routing) before they go on without it; the gap is
    /// logged and the next start's replay routes it. Batches are routed in journal order so that a
    /// restart's replay moves people as the live routing did (docs/venue-layout.md, rule 8).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan OrderGapTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Consume reads published over MQTT from RabbitMQ's queue for this edge.</summary>
    public bool UseRabbitMq { get; set; }

    /// <summary>The broker and queue (<c>Edge:Readers:RabbitMq</c>); the password belongs in the environment.</summary>
    public ReaderQueueOptions RabbitMq { get; set; } = new();
}
