// Turns C documentation comments (/** ... */, /**< ... */, ///) into clean text lines.
// libclang attaches them to declarations; for macros, which libclang does not attach
// comments to, they are found in the header text next to the #define.
using System.Text.RegularExpressions;
using Mos.Bindings.Generator.Model;

namespace Mos.Bindings.Generator.Parsing;

internal static partial class DocComments
{
    /// <summary>Cleans a raw comment as libclang returns it.</summary>
    public static Doc Clean(string raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
            return Doc.None;
        var lines = new List<string>();
        foreach (string comment in SplitComments(raw))
            lines.AddRange(CleanOne(comment));
        return Trim(lines);
    }

    private static IEnumerable<string> SplitComments(string raw)
    {
        // Consecutive comments can be merged into one raw text; handle each piece.
        foreach (Match m in CommentRegex().Matches(raw))
            yield return m.Value;
    }

    private static IEnumerable<string> CleanOne(string comment)
    {
        if (comment.StartsWith("//", StringComparison.Ordinal))
            return [StripMarker(comment[2..].TrimStart('/', '!')).TrimEnd()];
        string body = comment[2..^2];
        body = StripMarker(body.TrimStart('*', '!'));
        return body.Split('\n').Select(CleanBlockLine);
    }

    private static string StripMarker(string s) => s.StartsWith('<') ? s[1..] : s;

    private static string CleanBlockLine(string line)
    {
        string t = line.Trim();
        if (t.StartsWith('*'))
            t = t[1..].Trim();
        return t.TrimEnd();
    }

    private static Doc Trim(List<string> lines)
    {
        int start = 0;
        int end = lines.Count;
        while (start < end && lines[start].Length == 0)
            start++;
        while (end > start && lines[end - 1].Length == 0)
            end--;
        return start == end ? Doc.None : new Doc(lines.GetRange(start, end - start));
    }

    /// <summary>The documentation comment of the source line that starts at
    /// <paramref name="lineStart"/>: a trailing <c>/**&lt;</c> comment on that line, or a
    /// <c>/**</c> comment that ends on the line just above.</summary>
    public static Doc ForLine(string text, int lineStart)
    {
        int lineEnd = text.IndexOf('\n', lineStart);
        if (lineEnd < 0)
            lineEnd = text.Length;
        string line = text[lineStart..lineEnd];
        int trailing = line.IndexOf("/**<", StringComparison.Ordinal);
        if (trailing >= 0)
        {
            int close = text.IndexOf("*/", lineStart + trailing, StringComparison.Ordinal);
            if (close > 0)
                return Clean(text[(lineStart + trailing)..(close + 2)]);
        }
        return Preceding(text, lineStart);
    }

    private static Doc Preceding(string text, int lineStart)
    {
        int i = lineStart - 1;
        while (i >= 0 && char.IsWhiteSpace(text[i]) && text[i] != '\n')
            i--;
        if (i < 0 || text[i] != '\n')
            return Doc.None;
        int prevEnd = i; // the newline ending the previous line
        int j = prevEnd - 1;
        while (j >= 0 && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r'))
            j--;
        if (j < 1 || text[j] != '/' || text[j - 1] != '*')
            return Doc.None;
        int open = text.LastIndexOf("/*", j - 1, StringComparison.Ordinal);
        if (open < 0 || !text.AsSpan(open).StartsWith("/**", StringComparison.Ordinal) ||
            text.AsSpan(open).StartsWith("/**<", StringComparison.Ordinal))
            return Doc.None;
        if (!OnlyWhitespaceBefore(text, open))
            return Doc.None;
        return Clean(text[open..(j + 1)]);
    }

    private static bool OnlyWhitespaceBefore(string text, int pos)
    {
        for (int k = pos - 1; k >= 0 && text[k] != '\n'; k--)
        {
            if (!char.IsWhiteSpace(text[k]))
                return false;
        }
        return true;
    }

    [GeneratedRegex(@"/\*.*?\*/|//[^\n]*", RegexOptions.Singleline)]
    private static partial Regex CommentRegex();
}
