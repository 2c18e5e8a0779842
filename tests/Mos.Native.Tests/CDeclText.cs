// Maps C declarations written as text (in the specification) to C# type spellings with
// the generator's own table (CTypeMap), so spec and bindings are compared by one rule.
using System.Text.RegularExpressions;
using Mos.Bindings.Generator.Mapping;

namespace Mos.Native.Tests;

/// <summary>One declarator as text: its name (null when unnamed) and mapped C# type,
/// or an error describing why the type could not be mapped.</summary>
internal sealed record MappedDecl(string? Name, string? CsType, string? Error);

internal static partial class CDeclText
{
    private static readonly HashSet<string> TypeWords = new(StringComparer.Ordinal)
    {
        "void", "char", "short", "int", "long", "unsigned", "signed", "float", "double", "_Bool", "bool",
    };

    /// <summary>Maps "const struct sockaddr *addr", "mctx_t", "int pipeid[2]",
    /// "unsigned char byte" (as in a typedef) and similar.</summary>
    public static MappedDecl Map(string text)
    {
        string s = Regex.Replace(text, @"\b(const|volatile|restrict)\b", " ");
        int pointers = s.Count(c => c == '*') + ArrayRegex().Matches(s).Count;
        List<string> words = IdentRegex().Matches(ArrayRegex().Replace(s, " ")).Select(m => m.Value).ToList();
        if (words.Count == 0)
            return new MappedDecl(null, null, $"no type in '{text}'");
        var (typeWords, name) = SplitName(words);
        string? cs = BaseType(typeWords, out string? error);
        return cs == null ? new MappedDecl(name, null, error) : new MappedDecl(name, cs + new string('*', pointers), null);
    }

    private static (List<string> Type, string? Name) SplitName(List<string> words)
    {
        bool tagged = words[0] is "struct" or "union" or "enum";
        int typeLength = tagged ? 2 : 1;
        if (words.Count <= typeLength)
            return (words, null);
        string last = words[^1];
        if (!tagged && TypeWords.Contains(last))
            return (words, null);
        return (words.Take(words.Count - 1).ToList(), last);
    }

    private static string? BaseType(List<string> words, out string? error)
    {
        error = null;
        if (words[0] is "struct" or "union")
            return words.Count == 2 && Reflected.Struct(words[1]) != null ? words[1] : "void";
        string? builtin = CTypeMap.CanonicalBuiltin(words);
        string key = builtin ?? (words.Count == 1 ? words[0] : string.Join(" ", words));
        if (CTypeMap.Names.TryGetValue(key, out string? cs))
            return cs;
        if (Reflected.Typedefs().TryGetValue(key, out string? local))
            return local;
        error = $"unknown C type '{string.Join(" ", words)}'";
        return null;
    }

    /// <summary>Splits a parameter list at top-level commas.</summary>
    public static List<string> SplitParams(string list)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i < list.Length; i++)
        {
            depth += list[i] switch { '(' or '[' or '{' => 1, ')' or ']' or '}' => -1, _ => 0 };
            if (list[i] == ',' && depth == 0)
            {
                parts.Add(list[start..i].Trim());
                start = i + 1;
            }
        }
        parts.Add(list[start..].Trim());
        return parts.Where(p => p.Length > 0).ToList();
    }

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex ArrayRegex();

    [GeneratedRegex(@"[A-Za-z_]\w*")]
    private static partial Regex IdentRegex();
}
