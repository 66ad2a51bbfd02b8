using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Venue.Central.Tests.Integrator;

/// <summary>
/// Just enough of a PNG reader and a QR decoder (ISO/IEC 18004) to read a badge back from the image
/// central serves: 1-bit PNG to modules, then function patterns skipped, the data zigzag read and
/// unmasked, the error-correction level Q blocks de-interleaved, and the segments (numeric,
/// alphanumeric, byte) decoded.
/// No error correction: a clean image must decode exactly.
/// </summary>
internal static class QrReader
{
    /// <summary>The PNG's pixels, true for dark: 1-bit greyscale or 1-bit palette, unfiltered scanlines or filter "none".</summary>
    public static bool[,] ReadPng(byte[] png)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
        int width = 0, height = 0, bitDepth = 0, colorType = 0;
        byte[]? palette = null;
        using var idat = new MemoryStream();
        for (var at = 8; at < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    bitDepth = data[8];
                    colorType = data[9];
                    break;
                case "PLTE":
                    palette = data.ToArray();
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
            }

            at += 12 + length;
        }

        Assert.Equal(1, bitDepth);
        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        var raw = inflated.ToArray();
        var stride = (width + 7) / 8;
        Assert.Equal(height * (stride + 1), raw.Length);
        var pixels = new bool[height, width];
        for (var y = 0; y < height; y++)
        {
            Assert.Equal(0, raw[y * (stride + 1)]);
            for (var x = 0; x < width; x++)
            {
                var bit = (raw[y * (stride + 1) + 1 + x / 8] >> (7 - x % 8)) & 1;
                // Greyscale: 0 is black. Palette: look the entry up and call it dark below mid-grey.
                pixels[y, x] = colorType == 3 ? palette![bit * 3] + palette[bit * 3 + 1] + palette[bit * 3 + 2] < 384 : bit == 0;
            }
        }

        return pixels;
    }

    /// <summary>Samples the centre of each module of an image of <paramref name="pixelsPerModule"/>-pixel modules.</summary>
    public static bool[,] Modules(bool[,] pixels, int pixelsPerModule)
    {
        var size = pixels.GetLength(0) / pixelsPerModule;
        var modules = new bool[size, size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                modules[y, x] = pixels[y * pixelsPerModule + pixelsPerModule / 2, x * pixelsPerModule + pixelsPerModule / 2];
            }
        }

        return modules;
    }

    // Error-correction level Q, versions 1 to 14: (data codewords per block, blocks) for each group.
    private static readonly (int Data, int Blocks)[][] BlocksQ =
    [
        [], [(13, 1)], [(22, 1)], [(17, 2)], [(24, 2)], [(15, 2), (16, 2)], [(19, 4)], [(14, 2), (15, 4)], [(18, 4), (19, 2)],
        [(16, 4), (17, 4)], [(19, 6), (20, 2)], [(22, 4), (23, 4)], [(20, 4), (21, 6)], [(20, 8), (21, 4)], [(20, 11), (21, 5)],
    ];

    private static readonly int[][] Alignment =
    [
        [], [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50], [6, 30, 54], [6, 32, 58],
        [6, 34, 62], [6, 26, 46, 66],
    ];

    /// <summary>
    /// Decodes a level-Q symbol (modules without the quiet zone). The mask is the one whose decode
    /// is well formed: returns every such reading (in practice exactly one).
    /// </summary>
    public static IReadOnlyList<string> DecodeLevelQ(bool[,] symbol, out int version)
    {
        var size = symbol.GetLength(0);
        version = (size - 17) / 4;
        Assert.True(version is >= 1 and <= 14 && size == 17 + 4 * version, $"a {size}x{size} symbol is not a version 1 to 14 QR code");
        var function = FunctionModules(version, size);
        var readings = new List<string>();
        for (var mask = 0; mask < 8; mask++)
        {
            var bits = new List<bool>();
            var upward = true;
            for (var right = size - 1; right >= 1; right -= 2)
            {
                if (right == 6)
                {
                    right = 5; // the vertical timing pattern's column is skipped
                }

                for (var step = 0; step < size; step++)
                {
                    var row = upward ? size - 1 - step : step;
                    for (var c = 0; c < 2; c++)
                    {
                        var col = right - c;
                        if (!function[row, col])
                        {
                            bits.Add(symbol[row, col] ^ Masked(mask, row, col));
                        }
                    }
                }

                upward = !upward;
            }

            if (TryReadSegments(Deinterleave(bits, version), version, out var text))
            {
                readings.Add(text);
            }
        }

        return readings;
    }

    private static bool Masked(int mask, int i, int j) => mask switch
    {
        0 => (i + j) % 2 == 0,
        1 => i % 2 == 0,
        2 => j % 3 == 0,
        3 => (i + j) % 3 == 0,
        4 => (i / 2 + j / 3) % 2 == 0,
        5 => i * j % 2 + i * j % 3 == 0,
        6 => (i * j % 2 + i * j % 3) % 2 == 0,
        _ => ((i + j) % 2 + i * j % 3) % 2 == 0,
    };

    private static bool[,] FunctionModules(int version, int size)
    {
        var f = new bool[size, size];
        void Box(int top, int left, int height, int width)
        {
            for (var y = Math.Max(0, top); y < Math.Min(size, top + height); y++)
            {
                for (var x = Math.Max(0, left); x < Math.Min(size, left + width); x++)
                {
                    f[y, x] = true;
                }
            }
        }

        // Finders with separators and format information.
        Box(0, 0, 9, 9);
        Box(0, size - 8, 9, 8);
        Box(size - 8, 0, 8, 9);
        // Timing patterns.
        Box(6, 0, 1, size);
        Box(0, 6, size, 1);
        // Alignment patterns, except where they would overlap a finder.
        foreach (var y in Alignment[version])
        {
            foreach (var x in Alignment[version])
            {
                if (!((y == 6 && x == 6) || (y == 6 && x == size - 7) || (y == size - 7 && x == 6)))
                {
                    Box(y - 2, x - 2, 5, 5);
                }
            }
        }

        if (version >= 7)
        {
            Box(0, size - 11, 6, 3);
            Box(size - 11, 0, 3, 6);
        }

        return f;
    }

    private static byte[] Deinterleave(List<bool> bits, int version)
    {
        var codewords = new byte[bits.Count / 8];
        for (var i = 0; i < codewords.Length; i++)
        {
            for (var b = 0; b < 8; b++)
            {
                codewords[i] = (byte)((codewords[i] << 1) | (bits[i * 8 + b] ? 1 : 0));
            }
        }

        var sizes = BlocksQ[version].SelectMany(g => Enumerable.Repeat(g.Data, g.Blocks)).ToArray();
        var blocks = sizes.Select(s => new List<byte>(s)).ToArray();
        var at = 0;
        for (var i = 0; i < sizes.Max(); i++)
        {
            for (var b = 0; b < blocks.Length; b++)
            {
                if (i < sizes[b])
                {
                    blocks[b].Add(codewords[at++]);
                }
            }
        }

        return [.. blocks.SelectMany(b => b)];
    }

    private const string Alphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

    /// <summary>Reads the segments (numeric, alphanumeric, byte; an ECI header is skipped) up to the terminator.</summary>
    private static bool TryReadSegments(byte[] data, int version, out string text)
    {
        text = "";
        var capacity = data.Length * 8;
        var at = 0;
        var overrun = false;
        int Read(int count)
        {
            // A wrong mask reads garbage, which may claim more bits than there are.
            if (at + count > capacity)
            {
                overrun = true;
                at = capacity;
                return 0;
            }

            var value = 0;
            for (var i = 0; i < count; i++, at++)
            {
                value = (value << 1) | ((data[at / 8] >> (7 - at % 8)) & 1);
            }

            return value;
        }

        var band = version <= 9 ? 0 : version <= 26 ? 1 : 2;
        var bytes = new List<byte>();
        var segments = 0;
        while (capacity - at >= 4)
        {
            var mode = Read(4);
            if (mode == 0)
            {
                break;
            }

            int length;
            switch (mode)
            {
                case 0b0001:
                    length = Read(new[] { 10, 12, 14 }[band]);
                    for (var left = length; left > 0; left -= 3)
                    {
                        var digits = Math.Min(3, left);
                        var value = Read(digits == 3 ? 10 : digits == 2 ? 7 : 4);
                        if (value >= Math.Pow(10, digits))
                        {
                            return false;
                        }

                        bytes.AddRange(Encoding.ASCII.GetBytes(value.ToString(new string('0', digits), System.Globalization.CultureInfo.InvariantCulture)));
                    }

                    break;
                case 0b0010:
                    length = Read(new[] { 9, 11, 13 }[band]);
                    for (var left = length; left > 0; left -= 2)
                    {
                        if (left >= 2)
                        {
                            var pair = Read(11);
                            if (pair >= 45 * 45)
                            {
                                return false;
                            }

                            bytes.Add((byte)Alphanumeric[pair / 45]);
                            bytes.Add((byte)Alphanumeric[pair % 45]);
                        }
                        else
                        {
                            var single = Read(6);
                            if (single >= 45)
                            {
                                return false;
                            }

                            bytes.Add((byte)Alphanumeric[single]);
                        }
                    }

                    break;
                case 0b0100:
                    length = Read(band == 0 ? 8 : 16);
                    for (var i = 0; i < length; i++)
                    {
                        bytes.Add((byte)Read(8));
                    }

                    break;
                case 0b0111:
                    Read(8);
                    continue;
                default:
                    return false;
            }

            if (overrun)
            {
                return false;
            }

            segments++;
        }

        if (segments == 0)
        {
            return false;
        }

        text = Encoding.UTF8.GetString([.. bytes]);
        return true;
    }
}
