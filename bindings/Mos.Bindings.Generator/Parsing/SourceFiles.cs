// The text of the headers, for declarations as written (XML remarks) and macro comments.
using System.Text.RegularExpressions;

namespace Mos.Bindings.Generator.Parsing;

internal sealed partial class SourceFiles
{
    private readonly Dictionary<string, string> texts = new(StringComparer.Ordinal);

    public string Text(string path)
    {
        if (!texts.TryGetValue(path, out string? text))
        {
            text = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
            texts[path] = text;
        }
        return text;
    }

    /// <summary>Source between two offsets with comments removed and white space
    /// collapsed: <c>int mtcp_pipe(mctx_t mctx, int pipeid[2])</c>.</summary>
    public string Declaration(string path, int start, int end)
    {
        string text = Text(path);
        end = Math.Min(end, text.Length);
        return Normalize(text[start..end]);
    }

    public static string Normalize(string code)
    {
        string s = CommentRegex().Replace(code, " ");
        s = SpaceRegex().Replace(s, " ").Trim();
        return s.Replace("( ", "(", StringComparison.Ordinal).Replace(" )", ")", StringComparison.Ordinal);
    }

    /// <summary>Offset of the first character of the line holding <paramref name="offset"/>.</summary>
    public int LineStart(string path, int offset)
    {
        string text = Text(path);
        int nl = offset == 0 ? -1 : text.LastIndexOf('\n', Math.Min(offset, text.Length) - 1);
        return nl + 1;
    }

    [GeneratedRegex(@"/\*.*?\*/|//[^\n]*", RegexOptions.Singleline)]
    private static partial Regex CommentRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex SpaceRegex();
}
