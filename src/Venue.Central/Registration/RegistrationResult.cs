using Venue.Domain.Central;

namespace Venue.Central.Registration;

public enum RegistrationStatus
{
    Created,
    Updated,
    /// <summary>The request changed nothing (same values, or already revoked).</summary>
    Unchanged,
    Invalid,
    NotFound,
    /// <summary>The request contradicts what is stored: the id is taken, or the attendee is revoked.</summary>
    Conflict,
}

/// <summary>What a single registration, update or revocation did.</summary>
public sealed record RegistrationResult(RegistrationStatus Status, RegisteredAttendee? Attendee, IReadOnlyList<RowError> Errors, string? Detail = null)
{
    public static RegistrationResult Invalid(IEnumerable<(string? Field, string Message)> errors) =>
        new(RegistrationStatus.Invalid, null, [.. errors.Select(e => new RowError(null, null, e.Field, e.Message))]);

    public static RegistrationResult NotFound(string id) => new(RegistrationStatus.NotFound, null, [], $"No attendee '{id}'.");
}

/// <summary>
/// What an import did: rows stored (<see cref="Imported"/> = created + updated + unchanged), rows
/// refused with their errors (at most <see cref="AttendeeRegistry.MaxReportedErrors"/> errors are
/// listed; <see cref="ErrorsOmitted"/> counts the failed rows left out), and the ledger version after it.
/// </summary>
public sealed record ImportResult(int Imported, int Created, int Updated, int Unchanged, int Failed, IReadOnlyList<RowError> Errors, int ErrorsOmitted, long LedgerVersion);
