using System.Globalization;
using System.Text.Json;

namespace Madvise.Measurement.Compare;

/// <summary>A <c>madv eval --json</c> file as <c>madv compare</c> reads it: the machine, the workload and every configuration's raw pass times.</summary>
/// <param name="Path">Where it was read from.</param>
/// <param name="Machine">"AMD EPYC, 2 cores, Linux 6.18.44, .NET 10.0.12, load 2.8": the machine line.</param>
/// <param name="Started">When the run started (as written).</param>
/// <param name="Hint">The advice name (DONTNEED).</param>
/// <param name="Mem">Buffer bytes.</param>
/// <param name="Unit">Bytes per range.</param>
/// <param name="SiblingWork">What sibling threads did ("sleep" or "touch").</param>
/// <param name="PinCpu">The CPU the advising thread was pinned to, or null.</param>
/// <param name="Partial">True when the run was interrupted.</param>
/// <param name="Records">The configurations.</param>
public sealed record EvalResultFile(
    string Path,
    string Machine,
    string Started,
    string Hint,
    ulong Mem,
    ulong Unit,
    string SiblingWork,
    int? PinCpu,
    bool Partial,
    IReadOnlyList<EvalResultRecord> Records)
{
    /// <summary>Largest file read (a 1000-pass run of every configuration is well below it).</summary>
    public const long MaxBytes = 64L << 20;

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">The file is not a <c>madv-eval/2</c> JSON file; the message says what is wrong.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static EvalResultFile Read(string path)
    {
        var info = new FileInfo(path);
        if (info.Exists && info.Length > MaxBytes)
        {
            throw new FormatException($"{path}: larger than {MaxBytes >> 20} MiB; not a madv eval file");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{path}: not JSON ({ex.Message})", ex);
        }

        using (doc)
        {
            try
            {
                return Parse(path, doc.RootElement);
            }
            catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or FormatException)
            {
                throw new FormatException($"{path}: {ex.Message}", ex);
            }
        }
    }

    private static EvalResultFile Parse(string path, JsonElement root)
    {
        var schema = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("schema", out var s) ? s.GetString() : null;
        if (schema != Reporting.EvalJson.Schema)
        {
            throw new FormatException(schema == "madv-eval/1"
                ? "schema madv-eval/1 has no raw pass times; run madv eval --json again with this version"
                : $"schema '{schema ?? "none"}' is not {Reporting.EvalJson.Schema} (a madv eval --json file)");
        }

        var m = root.GetProperty("machine");
        var load = m.GetProperty("load_average").ValueKind == JsonValueKind.Number ? string.Create(CultureInfo.InvariantCulture, $", load average {m.GetProperty("load_average").GetDouble():0.0} at start") : string.Empty;
        var machine = string.Create(CultureInfo.InvariantCulture, $"{m.GetProperty("cpu").GetString()}, {m.GetProperty("cores").GetInt32()} cores, Linux {m.GetProperty("kernel").GetString()}, {m.GetProperty("runtime").GetString()}{load}");
        var records = new List<EvalResultRecord>();
        foreach (var r in root.GetProperty("records").EnumerateArray())
        {
            var samples = new List<double>();
            foreach (var v in r.GetProperty("samples_ns").EnumerateArray())
            {
                samples.Add(v.GetDouble());
            }

            records.Add(new EvalResultRecord(
                r.GetProperty("target").GetString() ?? throw new FormatException("a record has no target"),
                r.GetProperty("profile").GetString(),
                r.TryGetProperty("threads", out var t) ? t.GetInt32() : 1,
                r.GetProperty("batch").GetInt32(),
                samples,
                r.GetProperty("error").GetString()));
        }

        return new EvalResultFile(
            path,
            machine,
            root.GetProperty("started_utc").GetString() ?? string.Empty,
            root.GetProperty("hint").GetString() ?? string.Empty,
            root.GetProperty("mem").GetUInt64(),
            root.GetProperty("unit").GetUInt64(),
            root.TryGetProperty("sibling_work", out var w) ? w.GetString() ?? "sleep" : "sleep",
            root.GetProperty("pin_cpu").ValueKind == JsonValueKind.Number ? root.GetProperty("pin_cpu").GetInt32() : null,
            root.GetProperty("partial").GetBoolean(),
            records);
    }
}
