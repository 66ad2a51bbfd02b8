using System.Text;

namespace Venue.Central.Registration;

/// <summary>
/// Reads RFC 4180 CSV one record at a time from a stream, never holding more than one record:
/// comma-separated fields, fields in double quotes may hold commas, line breaks and doubled quotes
/// (<c>""</c>); records end with CRLF, LF or a lone CR; a UTF-8 byte order mark is skipped; blank
/// lines are not records. A malformed record (a stray quote, text after a closing quote, a quote
/// left open at the end) is returned with an <see cref="CsvRecord.Error"/> and reading goes on with
/// the next record, so one bad row does not cost the rows after it. So is a record with more than
/// <see cref="DefaultMaxFields"/> fields or a field longer than <see cref="DefaultMaxFieldChars"/> (or the limits given): what is past
/// the limit is read to find where the record ends but not kept, so a hostile body of commas costs
/// no more memory than a sane one.
/// </summary>
public sealed class CsvRecordReader
{
    /// <summary>Far more columns than an attendee has; a record with more is refused, not held.</summary>
    public const int DefaultMaxFields = 256;

    /// <summary>Far longer than any attendee field may be; a longer field is refused, not held.</summary>
    public const int DefaultMaxFieldChars = 64 * 1024;

    private readonly TextReader _reader;
    private readonly int _maxFields;
    private readonly int _maxFieldChars;
    private readonly char[] _buffer = new char[16 * 1024];
    private readonly StringBuilder _field = new();
    private int _position;
    private int _length;
    private bool _atStart = true;
    private long _line = 1;
    private bool _lastWasCrlf;

    public CsvRecordReader(TextReader reader, int maxFields = DefaultMaxFields, int maxFieldChars = DefaultMaxFieldChars)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFields, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFieldChars, 1);
        _reader = reader;
        _maxFields = maxFields;
        _maxFieldChars = maxFieldChars;
    }

    /// <summary>The next record, or null at the end of the input.</summary>
    public async ValueTask<CsvRecord?> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var record = await ReadOneAsync(cancellationToken);
            if (record is null)
            {
                return null;
            }

            // A blank line reads as one empty field: not a record.
            if (record.Error is not null || record.Fields.Count != 1 || record.Fields[0].Length != 0 || record.Quoted)
            {
                return record;
            }
        }
    }

    private async ValueTask<CsvRecord?> ReadOneAsync(CancellationToken cancellationToken)
    {
        if (!await EnsureAsync(cancellationToken))
        {
            return null;
        }

        var startLine = _line;
        var fields = new List<string>();
        var fieldCount = 0;
        string? error = null;
        var anyQuoted = false;
        _field.Clear();
        var state = State.FieldStart;
        while (true)
        {
            if (!await EnsureAsync(cancellationToken))
            {
                if (state == State.Quoted)
                {
                    error ??= $"a quoted field opened on line {startLine} is never closed";
                }

                EndField(fields, ref fieldCount, ref error);
                return new CsvRecord(startLine, fields, error, anyQuoted);
            }

            var c = _buffer[_position++];
            switch (state)
            {
                case State.FieldStart when c == '"':
                    state = State.Quoted;
                    anyQuoted = true;
                    break;
                case State.FieldStart or State.Unquoted when c == ',':
                case State.AfterQuote when c == ',':
                    EndField(fields, ref fieldCount, ref error);
                    state = State.FieldStart;
                    break;
                case State.FieldStart or State.Unquoted or State.AfterQuote or State.Skipping when c is '\r' or '\n':
                    await EndLineAsync(c, cancellationToken);
                    EndField(fields, ref fieldCount, ref error);
                    return new CsvRecord(startLine, fields, error, anyQuoted);
                case State.FieldStart or State.Unquoted when c == '"':
                    error = $"a quote inside an unquoted field (field {fields.Count + 1}); quote the whole field and double the quote";
                    state = State.Skipping;
                    break;
                case State.FieldStart or State.Unquoted:
                    Append(c, fieldCount, ref error);
                    state = State.Unquoted;
                    break;
                case State.Quoted when c == '"':
                    state = State.AfterQuote;
                    break;
                case State.Quoted:
                    if (c is '\r' or '\n')
                    {
                        await EndLineAsync(c, cancellationToken);
                        // A line break inside quotes is part of the value; keep CRLF as it was sent.
                        if (c == '\r' && _lastWasCrlf)
                        {
                            Append('\r', fieldCount, ref error);
                            c = '\n';
                        }

                        Append(c, fieldCount, ref error);
                    }
                    else
                    {
                        Append(c, fieldCount, ref error);
                    }

                    break;
                case State.AfterQuote when c == '"':
                    Append('"', fieldCount, ref error);
                    state = State.Quoted;
                    break;
                case State.AfterQuote:
                    error = $"text after the closing quote of field {fields.Count + 1}";
                    state = State.Skipping;
                    break;
                case State.Skipping when c == '"':
                    // Quotes in the rest of a broken record are not trusted to balance: the record ends at the next line break.
                    break;
                case State.Skipping:
                    break;
            }
        }
    }

    /// <summary>Keeps the field just read, unless the record already has as many as it may hold.</summary>
    private void EndField(List<string> fields, ref int fieldCount, ref string? error)
    {
        fieldCount++;
        if (fieldCount <= _maxFields)
        {
            fields.Add(_field.ToString());
        }
        else
        {
            error ??= $"the row has more than {_maxFields:N0} fields";
        }

        _field.Clear();
    }

    private void Append(char c, int fieldIndex, ref string? error)
    {
        if (fieldIndex >= _maxFields)
        {
            return; // a field past the limit is not kept
        }

        if (_field.Length < _maxFieldChars)
        {
            _field.Append(c);
        }
        else
        {
            error ??= $"field {fieldIndex + 1} is longer than {_maxFieldChars:N0} characters";
        }
    }

    /// <summary>Consumes a line break (CRLF counts once) and counts the line.</summary>
    private async ValueTask EndLineAsync(char c, CancellationToken cancellationToken)
    {
        _line++;
        _lastWasCrlf = false;
        if (c == '\r' && await EnsureAsync(cancellationToken) && _buffer[_position] == '\n')
        {
            _position++;
            _lastWasCrlf = true;
        }
    }

    private async ValueTask<bool> EnsureAsync(CancellationToken cancellationToken)
    {
        if (_position < _length)
        {
            return true;
        }

        _length = await _reader.ReadAsync(_buffer.AsMemory(), cancellationToken);
        _position = 0;
        if (_atStart && _length > 0)
        {
            _atStart = false;
            // StreamReader drops a UTF-8 BOM it detects; a reader that was handed decoded text may still carry one.
            if (_buffer[0] == '\uFEFF')
            {
                _position = 1;
                return _length > 1 || await EnsureAsync(cancellationToken);
            }
        }

        return _length > 0;
    }

    private enum State
    {
        FieldStart,
        Unquoted,
        Quoted,
        AfterQuote,
        Skipping,
    }
}

/// <summary>
/// One CSV record: its fields, the line it starts on (1-based, counting line breaks inside quoted
/// fields), and what is wrong with it, if anything. <see cref="Quoted"/>: some field was quoted.
/// </summary>
public sealed record CsvRecord(long Line, IReadOnlyList<string> Fields, string? Error, bool Quoted = false);
