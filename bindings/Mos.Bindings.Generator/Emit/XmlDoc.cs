// Converts cleaned header comments into C# XML documentation lines. Text is escaped;
// `code` spans become <c>code</c>; @return and @param become their XML elements.
using System.Text.RegularExpressions;
using Mos.Bindings.Generator.Model;

namespace Mos.Bindings.Generator.Emit;

internal static partial class XmlDoc
{
    public static string Escape(string s) =>
        s.Replace("&", "&amp;", StringComparison.Ordinal)
         .Replace("<", "&lt;", StringComparison.Ordinal)
         .Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>Escaped text with `code` spans as &lt;c&gt; elements.</summary>
    public static string Text(string s) => CodeSpan().Replace(Escape(s), "<c>$1</c>");

    public static string Code(string s) => "<c>" + Escape(s) + "</c>";

    /// <summary>Writes summary, params, returns and remarks for a declaration.</summary>
    public static void Write(CodeWriter w, Doc doc, string remarks, IReadOnlyCollection<string>? paramNames = null)
    {
        var sections = Split(doc, paramNames ?? []);
        WriteElement(w, "summary", null, sections.Summary);
        foreach (var (name, lines) in sections.Params)
            WriteElement(w, "param", name, lines);
        WriteElement(w, "returns", null, sections.Returns);
        if (remarks.Length > 0)
            w.Line($"/// <remarks>{remarks}</remarks>");
    }

    private sealed record Sections(List<string> Summary, List<(string Name, List<string> Lines)> Params, List<string> Returns);

    private static Sections Split(Doc doc, IReadOnlyCollection<string> paramNames)
    {
        var s = new Sections([], [], []);
        List<string> current = s.Summary;
        foreach (string line in doc.Lines)
            current = Route(s, current, line, paramNames);
        return s;
    }

    private static List<string> Route(Sections s, List<string> current, string line, IReadOnlyCollection<string> paramNames)
    {
        Match ret = ReturnTag().Match(line);
        if (ret.Success)
        {
            s.Returns.Add(ret.Groups[1].Value);
            return s.Returns;
        }
        Match param = ParamTag().Match(line);
        if (param.Success && paramNames.Contains(param.Groups[1].Value))
        {
            var lines = new List<string> { param.Groups[2].Value };
            s.Params.Add((param.Groups[1].Value, lines));
            return lines;
        }
        current.Add(line);
        return current;
    }

    private static void WriteElement(CodeWriter w, string tag, string? name, List<string> lines)
    {
        List<string> text = TrimBlank(lines);
        if (text.Count == 0)
            return;
        string open = name == null ? $"<{tag}>" : $"<{tag} name=\"{name}\">";
        if (text.Count == 1)
        {
            w.Line($"/// {open}{Text(text[0])}</{tag}>");
            return;
        }
        w.Line($"/// {open}");
        foreach (string l in text)
            w.Line(l.Length == 0 ? "///" : "/// " + Text(l));
        w.Line($"/// </{tag}>");
    }

    private static List<string> TrimBlank(List<string> lines)
    {
        int start = lines.FindIndex(l => l.Length > 0);
        int end = lines.FindLastIndex(l => l.Length > 0);
        return start < 0 ? [] : lines.GetRange(start, end - start + 1);
    }

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^@returns?\s*(.*)$")]
    private static partial Regex ReturnTag();

    [GeneratedRegex(@"^@param\s+(\w+)\s*(.*)$")]
    private static partial Regex ParamTag();
}
