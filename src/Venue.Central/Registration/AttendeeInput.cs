namespace Venue.Central.Registration;

/// <summary>
/// An attendee as an integrator sent it (one JSON object or one CSV row), before validation. Each
/// field remembers whether it was sent at all, so an update changes only what it names and
/// <c>"email": null</c> can clear an email.
/// </summary>
public sealed record AttendeeInput
{
    public Field<string?> Id { get; init; }

    public Field<string?> Name { get; init; }

    public Field<string?> Email { get; init; }

    public Field<string?> Company { get; init; }

    public Field<string?> TicketType { get; init; }

    /// <summary>ISO 8601 text as sent; parsed by validation so a bad date is reported against its field.</summary>
    public Field<string?> ValidFrom { get; init; }

    public Field<string?> ValidUntil { get; init; }

    public Field<IReadOnlyList<string>?> Gates { get; init; }
}

/// <summary>A field that may be absent (<see cref="IsSet"/> false) or set, possibly to null.</summary>
public readonly record struct Field<T>(bool IsSet, T Value)
{
    public static Field<T> Of(T value) => new(true, value);

    public static implicit operator Field<T>(T value) => Of(value);
}
