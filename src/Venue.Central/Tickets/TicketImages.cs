using QRCoder;

namespace Venue.Central.Tickets;

/// <summary>
/// A badge token as a QR code, for printing or for a phone screen. Error correction level Q (a
/// quarter of the code may be scuffed or covered by a lanyard clip and it still reads); a typical
/// token of about 150 characters makes a version 9 or 10 code. The quiet zone (4 modules) is drawn.
/// </summary>
public static class TicketImages
{
    public const int QuietZoneModules = 4;
    public const int DefaultPixelsPerModule = 8;

    public static byte[] Png(string token, int pixelsPerModule = DefaultPixelsPerModule)
    {
        using var data = Encode(token);
        using var png = new PngByteQRCode(data);
        return png.GetGraphic(pixelsPerModule, drawQuietZones: true);
    }

    /// <summary>
    /// An SVG whose viewBox counts modules (quiet zone included): one user unit per module, so it
    /// scales to any print size without blurring.
    /// </summary>
    public static string Svg(string token)
    {
        using var data = Encode(token);
        using var svg = new SvgQRCode(data);
        return svg.GetGraphic(1, "#000000", "#ffffff", drawQuietZones: true, sizingMode: SvgQRCode.SizingMode.ViewBoxAttribute);
    }

    /// <summary>The module matrix (quiet zone included), true for dark: what both images draw.</summary>
    public static bool[,] Modules(string token)
    {
        using var data = Encode(token);
        var size = data.ModuleMatrix.Count;
        var modules = new bool[size, size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                modules[y, x] = data.ModuleMatrix[y][x];
            }
        }

        return modules;
    }

    private static QRCodeData Encode(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        using var generator = new QRCodeGenerator();
        return generator.CreateQrCode(token, QRCodeGenerator.ECCLevel.Q);
    }
}
