using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Venue.Central.Registration;

/// <summary>
/// Turns an import body (a JSON array of attendee objects, or CSV with a header row) into rows,
/// streaming: the body is never held whole. A row with a bad shape comes back with its errors and
/// reading goes on; a document that cannot be read at all, or holds more than the row limit,
/// throws <see cref="ImportRejectedException"/>.
/// </summary>
public static class AttendeeImportReader
{
    public static async IAsyncEnumerable<ImportRow> ReadJsonAsync(Stream body, int maxRows, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var rows = JsonSerializer.DeserializeAsyncEnumerable(body, RegistrationJsonContext.Default.JsonElement, cancellationToken);
        await using var enumerator = rows.GetAsyncEnumerator(cancellationToken);
        var row = 0;
        while (true)
        {
            JsonElement element;
            try
            {
                if (!await enumerator.MoveNextAsync())
                {
                    yield break;
                }

                element = enumerator.Current;
            }
            catch (JsonException e)
            {
                // Broken JSON leaves no way to find where the next row starts: the document is refused whole.
                throw new ImportRejectedException(ImportRejection.Malformed,
                    $"The body is not a JSON array of attendee objects: {e.Message}", [new RowError(row + 1, e.LineNumber + 1, null, e.Message)], e);
            }

            row++;
            CheckRowLimit(row, maxRows);
            var errors = new List<(string? Field, string Message)>();
            var input = AttendeeFields.FromJson(element, errors);
            yield return new ImportRow(row, null, input, [.. errors.Select(e => new RowError(row, null, e.Field, e.Message))]);
        }
    }

    public static async IAsyncEnumerable<ImportRow> ReadCsvAsync(Stream body, int maxRows, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Invalid bytes throw: a spreadsheet saved as Latin-1 or Windows-1252 would otherwise be stored
        // (and printed on badges) with replacement characters for every accented letter.
        using var text = new StreamReader(body, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        var csv = new CsvRecordReader(text);
        var header = await NextAsync(csv, cancellationToken)
            ?? throw new ImportRejectedException(ImportRejection.Malformed, $"The CSV is empty; its first row must name the columns ({AttendeeFields.KnownList}).");
        var columns = ReadHeader(header);
        var row = 0;
        while (await NextAsync(csv, cancellationToken) is { } record)
        {
            row++;
            CheckRowLimit(row, maxRows);
            if (record.Error is not null)
            {
                yield return new ImportRow(row, record.Line, new AttendeeInput(), [new RowError(row, record.Line, null, record.Error)]);
                continue;
            }

            if (record.Fields.Count != columns.Count)
            {
                yield return new ImportRow(row, record.Line, new AttendeeInput(),
                    [new RowError(row, record.Line, null, $"the row has {record.Fields.Count} fields but the header has {columns.Count}")]);
                continue;
            }

            var input = new AttendeeInput();
            for (var i = 0; i < columns.Count; i++)
            {
                var cell = record.Fields[i];
                input = AttendeeFields.With(input, columns[i], cell.Length == 0 ? null : cell);
            }

            yield return new ImportRow(row, record.Line, input, []);
        }
    }

    private static async ValueTask<CsvRecord?> NextAsync(CsvRecordReader csv, CancellationToken cancellationToken)
    {
        try
        {
            return await csv.ReadAsync(cancellationToken);
        }
        catch (DecoderFallbackException e)
        {
            // The decoder reads ahead in large blocks, so the line it was on says nothing of where the bytes are; the bytes do.
            var bytes = string.Join(" ", (e.BytesUnknown ?? []).Select(b => $"0x{b:X2}"));
            throw new ImportRejectedException(ImportRejection.Malformed,
                $"The CSV is not UTF-8 text (it holds {bytes}, which UTF-8 does not use so; a spreadsheet saved as Latin-1 or Windows-1252 does): " +
                "save it as \"CSV UTF-8\" and send it again. Nothing was imported.",
                [new RowError(null, null, null, $"bytes that are not UTF-8: {bytes}")], e);
        }
    }

    /// <summary>The header's columns as field names; any unknown, repeated or missing required column refuses the file.</summary>
    private static List<string> ReadHeader(CsvRecord header)
    {
        if (header.Error is not null)
        {
            throw new ImportRejectedException(ImportRejection.Malformed, $"The CSV header row is malformed: {header.Error}.",
                [new RowError(null, header.Line, null, header.Error)]);
        }

        var columns = new List<string>();
        var errors = new List<RowError>();
        foreach (var name in header.Fields)
        {
            if (!AttendeeFields.TryResolve(name.Trim(), out var field))
            {
                errors.Add(new RowError(null, header.Line, AttendeeFields.Shorten(name), $"unknown column: {AttendeeFields.Unknown(name.Trim())}"));
            }
            else if (columns.Contains(field))
            {
                errors.Add(new RowError(null, header.Line, field, "the column appears twice"));
            }

            columns.Add(field ?? name);
        }

        foreach (var required in new[] { AttendeeFields.Name, AttendeeFields.TicketType }.Where(r => !columns.Contains(r)))
        {
            errors.Add(new RowError(null, header.Line, required, "a required column is missing"));
        }

        if (errors.Count > 0)
        {
            throw new ImportRejectedException(ImportRejection.Malformed,
                $"The CSV header row must name known columns, each once, including name and ticketType (the columns are {AttendeeFields.KnownList}).", errors);
        }

        return columns;
    }

    private static void CheckRowLimit(int row, int maxRows)
    {
        if (row > maxRows)
        {
            throw new ImportRejectedException(ImportRejection.TooLarge, $"The import has more than {maxRows:N0} rows; split it into several imports.");
        }
    }
}
