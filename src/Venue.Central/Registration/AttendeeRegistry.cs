using System.Security.Cryptography;
using System.Text.Json;
using Venue.Central.Tickets;
using Venue.Central.Webhooks;
using Venue.Domain.Central;
using Venue.Domain.Ledger;
using Venue.Domain.Readers;

namespace Venue.Central.Registration;

/// <summary>
/// Registration at central: validates attendees, signs their badges, writes them through the
/// registration store, tells edges (<c>ledgerChanged</c>) and integrators (webhooks) about it.
/// Writes are serialized, so an update never works from a stale read; an import is one
/// transaction that keeps its good rows and reports the bad ones.
/// </summary>
public sealed class AttendeeRegistry : IDisposable
{
    public const int MaxReportedErrors = 1_000;
    private const int PointReadsUpTo = 1_000;

    private readonly IRegistrationStore _store;
    private readonly WebhookOutbox _outbox;
    private readonly TimeProvider _time;
    private readonly Action<long> _ledgerChanged;
    private readonly BadgeIssuer _issuer;
    private readonly IReadOnlyList<string> _ticketTypes;
    private readonly SemaphoreSlim _writing = new(1, 1);

    public AttendeeRegistry(IRegistrationStore store, string eventId, IReadOnlyList<TicketType> ticketTypes, Domain.Tickets.TicketSigningKey signingKey,
        WebhookOutbox outbox, TimeProvider time, Action<long> ledgerChanged)
    {
        _store = store;
        _outbox = outbox;
        _time = time;
        _ledgerChanged = ledgerChanged;
        _issuer = new BadgeIssuer(eventId, signingKey);
        _ticketTypes = [.. ticketTypes.Select(t => t.Name)];
    }

    public IReadOnlyList<string> TicketTypes => _ticketTypes;

    public Task<RegisteredAttendee?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        AttendeeValidator.IsValidId(id) ? _store.GetAttendeeAsync(id, cancellationToken) : Task.FromResult<RegisteredAttendee?>(null);

    /// <summary>One new attendee (a walk-in at the help desk). An id already registered is a conflict: use an update.</summary>
    public async Task<RegistrationResult> RegisterAsync(AttendeeInput input, CancellationToken cancellationToken = default)
    {
        var errors = new List<(string? Field, string Message)>();
        var draft = AttendeeValidator.ValidateNew(input, _ticketTypes, errors);
        if (draft is null)
        {
            return RegistrationResult.Invalid(errors);
        }

        await _writing.WaitAsync(cancellationToken);
        try
        {
            if (draft.Id is { } id && await _store.GetAttendeeAsync(id, cancellationToken) is not null)
            {
                return new RegistrationResult(RegistrationStatus.Conflict, null, [], $"Attendee '{id}' is already registered; change it with PATCH /v1/attendees/{id}.");
            }

            draft = draft with { Id = draft.Id ?? await UnusedIdAsync([], cancellationToken) };
            var attendee = New(draft, _issuer.Issue(Claims(draft.Id, draft)));
            var stored = await WriteAsync([attendee], [], [WebhookOutbox.AttendeeRegistered], cancellationToken);
            return new RegistrationResult(RegistrationStatus.Created, stored[0], []);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Changes the fields the patch names. A new ticket type or validity window means a new badge: the old token is revoked.</summary>
    public async Task<RegistrationResult> UpdateAsync(string id, AttendeeInput patch, CancellationToken cancellationToken = default)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            if (await GetAsync(id, cancellationToken) is not { } current)
            {
                return RegistrationResult.NotFound(id);
            }

            if (current.Status == AttendeeStatus.Revoked)
            {
                return new RegistrationResult(RegistrationStatus.Conflict, current, [], $"Attendee '{id}' is revoked; a revoked badge is not changed. Register the person anew.");
            }

            var errors = new List<(string? Field, string Message)>();
            var draft = AttendeeValidator.ValidatePatch(current, patch, _ticketTypes, errors);
            if (draft is null)
            {
                return RegistrationResult.Invalid(errors);
            }

            if (Same(current, draft))
            {
                return new RegistrationResult(RegistrationStatus.Unchanged, current, []);
            }

            var (updated, superseded) = Change(current, draft, token: null);
            var stored = await WriteAsync([updated], superseded, [WebhookOutbox.AttendeeUpdated], cancellationToken);
            return new RegistrationResult(RegistrationStatus.Updated, stored[0], []);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Revokes the attendee and their current token; revoking twice changes nothing.</summary>
    public async Task<RegistrationResult> RevokeAsync(string id, CancellationToken cancellationToken = default)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            if (await GetAsync(id, cancellationToken) is not { } current)
            {
                return RegistrationResult.NotFound(id);
            }

            if (current.Status == AttendeeStatus.Revoked)
            {
                return new RegistrationResult(RegistrationStatus.Unchanged, current, []);
            }

            var revoked = current with { Status = AttendeeStatus.Revoked, UpdatedAt = _time.GetUtcNow() };
            var stored = await WriteAsync([revoked], [current.TokenHash], [WebhookOutbox.AttendeeRevoked], cancellationToken);
            return new RegistrationResult(RegistrationStatus.Updated, stored[0], []);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>
    /// Imports rows as full records: new ids are registered, known ids are replaced (their status
    /// kept: an import never un-revokes), rows equal to what is stored change nothing. Every good row
    /// is written in one transaction; bad rows are reported. Throws <see cref="ImportRejectedException"/>
    /// (nothing stored) when the document cannot be read or is over a limit.
    /// </summary>
    public async Task<ImportResult> ImportAsync(IAsyncEnumerable<ImportRow> rows, CancellationToken cancellationToken = default)
    {
        var errors = new List<RowError>();
        var failed = 0;
        var omitted = 0;
        var drafts = new List<AttendeeDraft>();
        var firstRowOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            var rowErrors = new List<(string? Field, string Message)>();
            rowErrors.AddRange(row.Errors.Select(e => (e.Field, e.Message)));
            var draft = row.Errors.Count == 0 ? AttendeeValidator.ValidateNew(row.Input, _ticketTypes, rowErrors) : null;
            if (draft?.Id is { } id && !firstRowOfId.TryAdd(id, row.Row))
            {
                rowErrors.Add((AttendeeFields.Id, $"'{id}' is also in row {firstRowOfId[id]}; each attendee once per import"));
                draft = null;
            }

            if (draft is null)
            {
                failed++;
                if (errors.Count < MaxReportedErrors)
                {
                    errors.AddRange(rowErrors.Select(e => new RowError(row.Row, row.Line, e.Field, e.Message)).Take(MaxReportedErrors - errors.Count));
                }
                else
                {
                    omitted++;
                }

                continue;
            }

            drafts.Add(draft);
        }

        if (drafts.Count == 0)
        {
            return new ImportResult(0, 0, 0, 0, failed, errors, omitted, await _store.GetLedgerVersionAsync(cancellationToken));
        }

        await _writing.WaitAsync(cancellationToken);
        try
        {
            // Ids for rows sent without one, read back with the rest: one that happens to be taken is drawn again.
            var taken = new HashSet<string>(firstRowOfId.Keys, StringComparer.Ordinal);
            var picked = new List<int>();
            for (var i = 0; i < drafts.Count; i++)
            {
                if (drafts[i].Id is null)
                {
                    drafts[i] = drafts[i] with { Id = Draw(taken) };
                    picked.Add(i);
                }
            }

            var current = await ReadExistingAsync(drafts, cancellationToken);
            foreach (var i in picked.Where(i => current[i] is not null))
            {
                drafts[i] = drafts[i] with { Id = await UnusedIdAsync(taken, cancellationToken) };
                current[i] = null;
            }

            var toWrite = new List<(AttendeeDraft Draft, RegisteredAttendee? Current)>();
            var unchanged = 0;
            for (var i = 0; i < drafts.Count; i++)
            {
                if (current[i] is { } existing && Same(existing, drafts[i]))
                {
                    unchanged++;
                }
                else
                {
                    toWrite.Add((drafts[i], current[i]));
                }
            }

            // Sign every badge that needs one, in parallel, before the write.
            var claims = new List<Domain.Tickets.BadgeClaims>();
            var ids = new string[toWrite.Count];
            for (var i = 0; i < toWrite.Count; i++)
            {
                var (draft, existing) = toWrite[i];
                ids[i] = existing?.Id ?? draft.Id!;
                if (existing is null || ClaimsChange(existing, draft))
                {
                    claims.Add(Claims(ids[i], draft));
                }
            }

            var tokens = _issuer.IssueMany(claims, cancellationToken);
            var attendees = new List<RegisteredAttendee>(toWrite.Count);
            var superseded = new List<UInt128>();
            var types = new List<string>(toWrite.Count);
            var next = 0;
            var created = 0;
            for (var i = 0; i < toWrite.Count; i++)
            {
                var (draft, existing) = toWrite[i];
                if (existing is null)
                {
                    attendees.Add(New(draft with { Id = ids[i] }, tokens[next++]));
                    types.Add(WebhookOutbox.AttendeeRegistered);
                    created++;
                }
                else
                {
                    var (updated, old) = Change(existing, draft, ClaimsChange(existing, draft) ? tokens[next++] : null);
                    attendees.Add(updated);
                    superseded.AddRange(old);
                    types.Add(WebhookOutbox.AttendeeUpdated);
                }
            }

            var version = attendees.Count > 0
                ? (await WriteAsync(attendees, superseded, types, cancellationToken)).Select(a => a.Version).DefaultIfEmpty().Max()
                : 0;
            return new ImportResult(drafts.Count, created, attendees.Count - created, unchanged, failed, errors, omitted,
                Math.Max(version, await _store.GetLedgerVersionAsync(cancellationToken)));
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>The stored attendee for each draft that names an id (null: new).</summary>
    private async Task<RegisteredAttendee?[]> ReadExistingAsync(List<AttendeeDraft> drafts, CancellationToken cancellationToken)
    {
        var current = new RegisteredAttendee?[drafts.Count];
        var named = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < drafts.Count; i++)
        {
            if (drafts[i].Id is { } id)
            {
                named[id] = i;
            }
        }

        if (named.Count <= PointReadsUpTo)
        {
            foreach (var (id, i) in named)
            {
                current[i] = await _store.GetAttendeeAsync(id, cancellationToken);
            }

            return current;
        }

        // Many ids: one sequential pass over the ledger costs far less than a read per row.
        // Writes are serialized here, so the snapshot is what the write will replace.
        await using var view = await _store.OpenLedgerSnapshotAsync(cancellationToken);
        await foreach (var attendee in view.ReadAttendeesAsync(cancellationToken))
        {
            if (named.TryGetValue(attendee.Id, out var i))
            {
                current[i] = attendee;
            }
        }

        return current;
    }

    /// <summary>Writes the rows and their webhook events in one transaction, then tells edges and the dispatcher; returns the rows as stored.</summary>
    private async Task<IReadOnlyList<RegisteredAttendee>> WriteAsync(
        IReadOnlyList<RegisteredAttendee> attendees, IReadOnlyList<UInt128> revokedTokens, IReadOnlyList<string> eventTypes, CancellationToken cancellationToken)
    {
        var at = _time.GetUtcNow();
        var stored = await _store.UpsertAttendeesAsync(attendees, revokedTokens, at,
            rows => [.. rows.Select((row, i) => new WebhookEvent(eventTypes.Count == 1 ? eventTypes[0] : eventTypes[i], Payload(row), at))],
            cancellationToken);
        _ledgerChanged(await _store.GetLedgerVersionAsync(CancellationToken.None));
        _outbox.Notify();
        return stored;
    }

    public static string Payload(RegisteredAttendee a) => JsonSerializer.Serialize(
        new AttendeeEventPayload(a.Id, a.Name, a.TicketType, StatusName(a.Status), a.Version), RegistrationJsonContext.Default.AttendeeEventPayload);

    public static string StatusName(AttendeeStatus status) => status == AttendeeStatus.Revoked ? "revoked" : "active";

    private Domain.Tickets.BadgeClaims Claims(string id, AttendeeDraft draft) => _issuer.ClaimsFor(id, draft.TicketType, draft.ValidFrom, draft.ValidUntil);

    private RegisteredAttendee New(AttendeeDraft draft, string token) =>
        new(draft.Id!, draft.Name, draft.Email, draft.Company, draft.TicketType, draft.ValidFrom, draft.ValidUntil, AttendeeStatus.Active, draft.Gates,
            token, Domain.Tickets.TokenHash.Of(token))
        { UpdatedAt = _time.GetUtcNow() };

    /// <summary>The attendee with the draft's values; a new token (and the old one's hash to revoke) when the badge's claims change.</summary>
    private (RegisteredAttendee Updated, IReadOnlyList<UInt128> Superseded) Change(RegisteredAttendee current, AttendeeDraft draft, string? token)
    {
        var reissue = ClaimsChange(current, draft);
        if (reissue)
        {
            token ??= _issuer.Issue(Claims(current.Id, draft));
        }

        var updated = current with
        {
            Name = draft.Name,
            Email = draft.Email,
            Company = draft.Company,
            TicketType = draft.TicketType,
            ValidFrom = draft.ValidFrom,
            ValidUntil = draft.ValidUntil,
            Gates = draft.Gates,
            Token = reissue ? token! : current.Token,
            TokenHash = reissue ? Domain.Tickets.TokenHash.Of(token!) : current.TokenHash,
            UpdatedAt = _time.GetUtcNow(),
        };
        return (updated, reissue ? [current.TokenHash] : []);
    }

    private static bool ClaimsChange(RegisteredAttendee current, AttendeeDraft draft) =>
        current.TicketType != draft.TicketType || current.ValidFrom != draft.ValidFrom || current.ValidUntil != draft.ValidUntil;

    private static bool Same(RegisteredAttendee current, AttendeeDraft draft) =>
        !ClaimsChange(current, draft)
        && current.Name == draft.Name
        && current.Email == draft.Email
        && current.Company == draft.Company
        && (current.Gates ?? []).SequenceEqual(draft.Gates ?? [], StringComparer.Ordinal);

    /// <summary>Tests only: where ids for attendees sent without one come from.</summary>
    internal Func<string> NewIdForTests { get; set; } = NewId;

    /// <summary>A new id not in <paramref name="taken"/>, added to it.</summary>
    private string Draw(HashSet<string> taken)
    {
        while (true)
        {
            var id = NewIdForTests();
            if (taken.Add(id))
            {
                return id;
            }
        }
    }

    /// <summary>A new id no attendee holds and not in <paramref name="taken"/>: a repeat would overwrite another attendee's record.</summary>
    private async Task<string> UnusedIdAsync(HashSet<string> taken, CancellationToken cancellationToken)
    {
        while (true)
        {
            var id = Draw(taken);
            if (await _store.GetAttendeeAsync(id, cancellationToken) is null)
            {
                return id;
            }
        }
    }

    /// <summary>
    /// An id for an attendee sent without one: 'R' and 11 Crockford base32 characters (55 random bits;
    /// among 100,000 attendees a repeat has odds of about one in 7 million). Twelve characters is
    /// what a badge's RFID tag holds (<see cref="EpcCodec.MaxIdLength"/>): a longer id could be
    /// scanned at gates but never seen by a reader.
    /// </summary>
    public static string NewId()
    {
        const string alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        Span<byte> bytes = stackalloc byte[EpcCodec.MaxIdLength - 1];
        RandomNumberGenerator.Fill(bytes);
        Span<char> id = stackalloc char[EpcCodec.MaxIdLength];
        id[0] = 'R';
        for (var i = 0; i < bytes.Length; i++)
        {
            id[i + 1] = alphabet[bytes[i] & 31];
        }

        return new string(id);
    }

    public void Dispose()
    {
        _issuer.Dispose();
        _writing.Dispose();
    }
}
