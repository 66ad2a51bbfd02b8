namespace Venue.Central.Registration;

/// <summary>Why an import was refused as a whole, before anything was stored.</summary>
public enum ImportRejection
{
    /// <summary>The document cannot be read at all: no header, an unknown column, broken JSON. (400)</summary>
    Malformed,

    /// <summary>Over the row or byte limit. (413)</summary>
    TooLarge,
}

/// <summary>An import refused whole: nothing of it is stored.</summary>
public sealed class ImportRejectedException(ImportRejection rejection, string message, IReadOnlyList<RowError>? errors = null, Exception? inner = null)
    : Exception(message, inner)
{
    public ImportRejection Rejection { get; } = rejection;

    public IReadOnlyList<RowError> Errors { get; } = errors ?? [];
}
