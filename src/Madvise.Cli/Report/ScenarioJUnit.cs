using System.Globalization;
using System.Xml;

namespace Madvise.Cli.Report;

/// <summary>
/// <c>madv run/check --junit FILE</c>: JUnit XML as CI systems read it (Jenkins, GitLab, GitHub
/// test reporters): a &lt;testsuite&gt; per file, a &lt;testcase&gt; per checked step named
/// "LINE: STEP", with &lt;failure&gt;, &lt;error&gt; or &lt;skipped&gt;; a file that cannot be
/// loaded is a suite with one erroring case.
/// </summary>
internal static class ScenarioJUnit
{
    /// <summary>Writes <paramref name="files"/> as UTF-8 XML.</summary>
    public static void Write(Stream stream, string name, IReadOnlyList<ScenarioFileResult> files)
    {
        using var xml = XmlWriter.Create(stream, new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) });
        xml.WriteStartDocument();
        xml.WriteStartElement("testsuites");
        xml.WriteAttributeString("name", name);
        int tests = 0, failures = 0, errors = 0, skipped = 0;
        double seconds = 0;
        foreach (var f in files)
        {
            tests += f.LoadError is null ? f.Cases.Count : 1;
            failures += f.Mismatched;
            errors += f.Errors + (f.LoadError is null ? 0 : 1);
            skipped += f.Skipped;
            seconds += f.Seconds;
        }

        xml.WriteAttributeString("tests", Number(tests));
        xml.WriteAttributeString("failures", Number(failures));
        xml.WriteAttributeString("errors", Number(errors));
        xml.WriteAttributeString("skipped", Number(skipped));
        xml.WriteAttributeString("time", Seconds(seconds));
        foreach (var f in files)
        {
            WriteSuite(xml, f);
        }

        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    private static void WriteSuite(XmlWriter xml, ScenarioFileResult f)
    {
        xml.WriteStartElement("testsuite");
        xml.WriteAttributeString("name", f.Path);
        xml.WriteAttributeString("tests", Number(f.LoadError is null ? f.Cases.Count : 1));
        xml.WriteAttributeString("failures", Number(f.Mismatched));
        xml.WriteAttributeString("errors", Number(f.Errors + (f.LoadError is null ? 0 : 1)));
        xml.WriteAttributeString("skipped", Number(f.Skipped));
        xml.WriteAttributeString("time", Seconds(f.Seconds));
        xml.WriteStartElement("properties");
        xml.WriteStartElement("property");
        xml.WriteAttributeString("name", "target");
        xml.WriteAttributeString("value", f.Target);
        xml.WriteEndElement();
        xml.WriteEndElement();
        if (f.LoadError is { } loadError)
        {
            xml.WriteStartElement("testcase");
            xml.WriteAttributeString("classname", f.Path);
            xml.WriteAttributeString("name", "load");
            xml.WriteStartElement("error");
            xml.WriteAttributeString("type", "load");
            xml.WriteAttributeString("message", Clean(loadError));
            xml.WriteString(Clean(loadError));
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        foreach (var c in f.Cases)
        {
            xml.WriteStartElement("testcase");
            xml.WriteAttributeString("classname", f.Path);
            xml.WriteAttributeString("name", Clean(string.Create(CultureInfo.InvariantCulture, $"{c.Line}: {c.Step}")));
            switch (c.Outcome)
            {
                case ScenarioCaseOutcome.Failed:
                    var message = Clean($"expected '{c.Expected}', got '{c.Got}'");
                    xml.WriteStartElement("failure");
                    xml.WriteAttributeString("type", "mismatch");
                    xml.WriteAttributeString("message", message);
                    xml.WriteString(Clean(string.Create(CultureInfo.InvariantCulture, $"{f.Path}:{c.Line}: {c.Step}: {message}")));
                    xml.WriteEndElement();
                    break;
                case ScenarioCaseOutcome.Error:
                    xml.WriteStartElement("error");
                    xml.WriteAttributeString("type", "target");
                    xml.WriteAttributeString("message", Clean(c.Got ?? c.Message ?? "error"));
                    xml.WriteEndElement();
                    break;
                case ScenarioCaseOutcome.Skipped:
                    xml.WriteStartElement("skipped");
                    xml.WriteAttributeString("message", Clean(c.Message ?? "skipped"));
                    xml.WriteEndElement();
                    break;
            }

            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    /// <summary>Text without the control characters XML 1.0 cannot carry (a scenario's output could hold any byte).</summary>
    private static string Clean(string text)
    {
        var clean = true;
        foreach (var ch in text)
        {
            if (!XmlConvert.IsXmlChar(ch) && !char.IsSurrogate(ch))
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length);
        foreach (var ch in text)
        {
            builder.Append(XmlConvert.IsXmlChar(ch) || char.IsSurrogate(ch) ? ch : '\uFFFD');
        }

        return builder.ToString();
    }

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(double s) => s.ToString("0.000", CultureInfo.InvariantCulture);
}
