using ScottPlot;

namespace Madvise.Measurement.Reporting;

/// <summary>Saving ScottPlot plots as PNG or SVG (by the file's extension), atomically, with a font that exists here.</summary>
public static class PlotFile
{
    /// <summary>Image width in pixels.</summary>
    public const int Width = 1000;

    /// <summary>Image height in pixels.</summary>
    public const int Height = 620;

    /// <summary>Font family registered from <see cref="FontFiles"/>.</summary>
    private const string FontName = "DejaVu Sans";

    /// <summary>The regular and bold faces of <see cref="FontName"/> on Debian-like systems.</summary>
    private static readonly (string Path, bool Bold)[] FontFiles =
    [
        ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", false),
        ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", true),
    ];

    /// <summary>Guards the one-time font registration (ScottPlot's font table is global).</summary>
    private static readonly Lock FontLock = new();

    /// <summary>Whether <see cref="FontName"/> was registered; protected by <see cref="FontLock"/>.</summary>
    private static bool s_fontsLoaded;

    /// <summary>True when <paramref name="path"/> ends in .png or .svg (any case).</summary>
    public static bool IsSupported(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".png" or ".svg";

    /// <summary>
    /// Applies the font to <paramref name="plot"/>. The SkiaSharp build used has no fontconfig, so
    /// fonts are loaded from files; without them ScottPlot falls back to its default.
    /// </summary>
    public static void Style(Plot plot)
    {
        lock (FontLock)
        {
            if (!s_fontsLoaded)
            {
                foreach (var (path, bold) in FontFiles)
                {
                    if (File.Exists(path))
                    {
                        Fonts.AddFontFile(FontName, path, bold, italic: false);
                        s_fontsLoaded = true;
                    }
                }
            }

            if (s_fontsLoaded)
            {
                plot.Font.Set(FontName);
            }
        }
    }

    /// <summary>Renders <paramref name="plot"/> into <paramref name="path"/> (PNG or SVG by extension).</summary>
    public static void Save(Plot plot, string path)
    {
        if (Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase))
        {
            var svg = plot.GetSvgXml(Width, Height);
            AtomicFile.WriteText(path, w => w.Write(svg));
        }
        else
        {
            var png = plot.GetImageBytes(Width, Height, ImageFormat.Png);
            AtomicFile.Write(path, s => s.Write(png));
        }
    }
}
