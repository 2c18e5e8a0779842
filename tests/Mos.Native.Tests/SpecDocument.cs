// Reads the normative facts out of ../shared/spec/mos-api.md: constant values (§2),
// C prototypes (§3–§7 headings and text), typedefs and struct fields (§3–§7 code blocks).
using System.Globalization;
using System.Text.RegularExpressions;

namespace Mos.Native.Tests;

internal sealed record SpecConstant(string Name, decimal Value, string Section);

internal sealed record SpecPrototype(string Text, string ReturnType, string Name, List<string> Params, bool Elided);

internal static partial class SpecDocument
{
    private static readonly Lazy<string> Text = new(Load);

    public static string PathOnDisk => Path.Combine(TestEnvironment.SharedDir, "spec", "mos-api.md");

    private static string Load()
    {
        if (!File.Exists(PathOnDisk))
            throw new InvalidOperationException(
                $"specification {PathOnDisk} not found: the shared directory belongs beside the repository (../shared) or in $MOS_SHARED_DIR");
        return File.ReadAllText(PathOnDisk).Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>Lines of the chapters numbered first..last (inclusive).</summary>
    public static List<string> Chapters(int first, int last)
    {
        var lines = new List<string>();
        int current = 0;
        foreach (string line in Text.Value.Split('\n'))
        {
            Match m = ChapterRegex().Match(line);
            if (m.Success)
                current = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            if (current >= first && current <= last)
                lines.Add(line);
        }
        return lines;
    }

    // ---- §2 constants ------------------------------------------------------------------

    public static List<SpecConstant> Constants()
    {
        var found = new List<SpecConstant>();
        string section = "2";
        foreach (string line in Chapters(2, 2))
        {
            Match heading = SectionRegex().Match(line);
            if (heading.Success)
                section = heading.Groups[1].Value;
            found.AddRange(ConstantsIn(line, section));
        }
        return found;
    }

    private static IEnumerable<SpecConstant> ConstantsIn(string line, string section)
    {
        Match row = TableRowRegex().Match(line);
        if (row.Success)
        {
            yield return new SpecConstant(row.Groups[1].Value, ParseValue(row.Groups[2].Value), section);
            yield break;
        }
        foreach (Match m in ProseRegex().Matches(line))
            yield return new SpecConstant(m.Groups[1].Value, ParseValue(m.Groups[2].Value), section);
        foreach (Match span in CodeSpanRegex().Matches(line))
        {
            foreach (Match m in InSpanRegex().Matches(span.Groups[1].Value))
                yield return new SpecConstant(m.Groups[1].Value, ParseValue(m.Groups[2].Value), section);
        }
    }

    /// <summary>"0x20000000", "12", "1<<30", "`1<<29` = 0x20000000" (the last form wins).</summary>
    public static decimal ParseValue(string cell)
    {
        string s = cell.Replace("`", "", StringComparison.Ordinal).Trim();
        int eq = s.LastIndexOf('=');
        if (eq >= 0)
            s = s[(eq + 1)..].Trim();
        Match shift = ShiftRegex().Match(s);
        if (shift.Success)
            return decimal.Parse(shift.Groups[1].Value, CultureInfo.InvariantCulture) *
                   (decimal)Math.Pow(2, int.Parse(shift.Groups[2].Value, CultureInfo.InvariantCulture));
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return ulong.Parse(s[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return decimal.Parse(s, CultureInfo.InvariantCulture);
    }

    // ---- §3–§7 prototypes --------------------------------------------------------------

    /// <summary>Every `code span` of chapters 3–7 that is a C prototype with a return
    /// type; spans like `cb(m, id, 0, 0, NULL)` are not.</summary>
    public static List<SpecPrototype> Prototypes()
    {
        var list = new List<SpecPrototype>();
        foreach (string line in Chapters(3, 7))
        {
            foreach (Match span in CodeSpanRegex().Matches(line))
            {
                if (TryPrototype(span.Groups[1].Value, out SpecPrototype? p))
                    list.Add(p);
            }
        }
        return list;
    }

    private static bool TryPrototype(string text, out SpecPrototype proto)
    {
        proto = null!;
        string t = text.Trim();
        int open = t.IndexOf('(');
        if (open < 0 || !t.EndsWith(')'))
            return false;
        Match head = HeadRegex().Match(t[..open]);
        if (!head.Success)
            return false;
        string args = t[(open + 1)..^1].Trim();
        bool elided = args.Contains("...", StringComparison.Ordinal);
        List<string> ps = elided || args == "void" ? [] : CDeclText.SplitParams(args);
        proto = new SpecPrototype(text, head.Groups["ret"].Value.Trim(), head.Groups["name"].Value, ps, elided);
        return true;
    }

    // ---- §3–§7 code blocks -------------------------------------------------------------

    /// <summary>C statements (split at top-level ';', comments removed) of the ```c
    /// blocks in chapters 3–7.</summary>
    public static List<string> CodeStatements()
    {
        var code = new List<string>();
        bool inBlock = false;
        foreach (string line in Chapters(3, 7))
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
                inBlock = !inBlock && line.Trim() == "```c";
            else if (inBlock)
                code.Add(line);
        }
        string joined = CommentRegex().Replace(string.Join("\n", code), " ");
        return SplitStatements(joined);
    }

    private static List<string> SplitStatements(string code)
    {
        var list = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i < code.Length; i++)
        {
            depth += code[i] switch { '{' => 1, '}' => -1, _ => 0 };
            if (code[i] == ';' && depth == 0)
            {
                list.Add(Regex.Replace(code[start..i], @"\s+", " ").Trim());
                start = i + 1;
            }
        }
        return list.Where(s => s.Length > 0).ToList();
    }

    [GeneratedRegex(@"^## (\d+)\.")]
    private static partial Regex ChapterRegex();

    [GeneratedRegex(@"^### (\d+\.\d+)")]
    private static partial Regex SectionRegex();

    [GeneratedRegex(@"^\|\s*`([A-Za-z_]\w*)`\s*\|\s*([^|]+)\|")]
    private static partial Regex TableRowRegex();

    [GeneratedRegex(@"`([A-Za-z_]\w*)`\s*=\s*(0x[0-9A-Fa-f]+|\d+\s*<<\s*\d+|\d+)")]
    private static partial Regex ProseRegex();

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex CodeSpanRegex();

    [GeneratedRegex(@"\b([A-Z_][A-Z0-9_]*)\s*=\s*(0x[0-9A-Fa-f]+|\d+)")]
    private static partial Regex InSpanRegex();

    [GeneratedRegex(@"^(\d+)\s*<<\s*(\d+)$")]
    private static partial Regex ShiftRegex();

    /// <summary>"RETURN-TYPE name": a return type of words and stars, then the name.</summary>
    [GeneratedRegex(@"^(?<ret>[A-Za-z_][\w \*]*?[\s\*])\s*(?<name>[A-Za-z_]\w*)\s*$")]
    private static partial Regex HeadRegex();

    [GeneratedRegex(@"/\*.*?\*/|//[^\n]*", RegexOptions.Singleline)]
    private static partial Regex CommentRegex();
}
