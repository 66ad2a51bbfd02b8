using System.ComponentModel.DataAnnotations;

namespace Venue.Central.Integrator;

/// <summary>The <c>Central:Integrator</c> section: the integrator API's limits.</summary>
public sealed class IntegratorOptions
{
    public const string Section = "Central:Integrator";

    /// <summary>Largest import body in bytes (more: 413, nothing stored).</summary>
    [Range(1024, 1L << 32)]
    public long MaxImportBytes { get; set; } = 32L << 20;

    /// <summary>Most rows in one import (more: 413, nothing stored).</summary>
    [Range(1, 10_000_000)]
    public int MaxImportRows { get; set; } = 200_000;

    /// <summary>Largest body for one attendee or one webhook, in bytes.</summary>
    [Range(256, 1 << 20)]
    public int MaxBodyBytes { get; set; } = 64 << 10;

    /// <summary>Most conflicts in one page.</summary>
    [Range(1, 100_000)]
    public int MaxPageSize { get; set; } = 1_000;
}
