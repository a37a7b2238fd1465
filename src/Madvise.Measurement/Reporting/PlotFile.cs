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

    /// <summary>The file name endings a plot can be saved as (any case).</summary>
    public static readonly string[] Extensions = [".png", ".svg"];

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

    /// <summary>Renders <paramref name="panels"/> side by side into <paramref name="path"/> (PNG or SVG by extension), each <see cref="Width"/> wide.</summary>
    public static void Save(IReadOnlyList<Plot> panels, string path)
    {
        if (panels.Count == 1)
        {
            Save(panels[0], path);
            return;
        }

        var width = Width * panels.Count;
        if (Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase))
        {
            // Each panel's own SVG, nested side by side in one document.
            var xml = new System.Text.StringBuilder();
            xml.Append(System.Globalization.CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{Height}\">");
            for (var i = 0; i < panels.Count; i++)
            {
                var inner = panels[i].GetSvgXml(Width, Height);
                var start = inner.IndexOf("<svg", StringComparison.Ordinal);
                xml.Append(System.Globalization.CultureInfo.InvariantCulture, $"<g transform=\"translate({i * Width},0)\">").Append(inner, start, inner.Length - start).Append("</g>");
            }

            xml.Append("</svg>");
            AtomicFile.WriteText(path, w => w.Write(xml.ToString()));
        }
        else
        {
            // A new Multiplot holds one empty plot: start from the first panel instead.
            var multiplot = new Multiplot(panels[0]);
            for (var i = 1; i < panels.Count; i++)
            {
                multiplot.AddPlot(panels[i]);
            }

            multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
            using var image = multiplot.Render(width, Height);
            var png = image.GetImageBytes(ImageFormat.Png, 100);
            AtomicFile.Write(path, s => s.Write(png));
        }
    }

    /// <summary>
    /// Ticks at 1, 2 and 5 times each power of ten between 10^<paramref name="low"/> and
    /// 10^<paramref name="high"/> (the plot's y values are log10 of the data); at 1, 1.5, 2, 3, 5
    /// and 7 times when the range spans less than about a decade.
    /// </summary>
    public static ScottPlot.TickGenerators.NumericManual LogTicks(double low, double high)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        ReadOnlySpan<double> steps = high - low < 1.2 ? [1, 1.5, 2, 3, 5, 7] : [1, 2, 5];
        for (var decade = Math.Floor(low) - 1; decade <= Math.Ceiling(high); decade++)
        {
            foreach (var step in steps)
            {
                var y = decade + Math.Log10(step);
                if (y >= low - 0.2 && y <= high + 0.2)
                {
                    ticks.AddMajor(y, Math.Pow(10, y).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        return ticks;
    }

    /// <summary>The legend name of a workload: "BatchedLock t2 (sim)", "host (6.18.44)".</summary>
    public static string LegendName(IAdviceWorkload workload, MachineInfo machine) =>
        workload.Target == "sim" ? workload.Label + " (sim)" : workload.Label + " (Linux " + machine.Kernel + ")";

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
