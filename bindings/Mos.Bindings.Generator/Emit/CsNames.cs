// C identifiers as C# identifiers: C names are kept exactly; C# keywords get '@'.
namespace Mos.Bindings.Generator.Emit;

internal static class CsNames
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked",
        "class", "const", "continue", "decimal", "default", "delegate", "do", "double", "else",
        "enum", "event", "explicit", "extern", "false", "finally", "fixed", "float", "for",
        "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
        "long", "namespace", "new", "null", "object", "operator", "out", "override", "params",
        "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed",
        "short", "sizeof", "stackalloc", "static", "string", "struct", "switch", "this",
        "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
        "using", "virtual", "void", "volatile", "while",
    };

    public static string Escape(string name) => Keywords.Contains(name) ? "@" + name : name;

    /// <summary>Name in a type declaration: all-lowercase names (tcpstate, mtcp_conf is
    /// fine) are written verbatim (@tcpstate) so the compiler does not warn that such
    /// names may become keywords (CS8981).</summary>
    public static string TypeDeclaration(string name) =>
        name.All(c => c is >= 'a' and <= 'z') ? "@" + name : Escape(name);

    /// <summary>File stem of a header in PascalCase: mtcp_api.h → MtcpApi.</summary>
    public static string FileStem(string header) =>
        string.Concat(Path.GetFileNameWithoutExtension(header).Split('_', '-', '.')
            .Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}
