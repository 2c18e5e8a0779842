// What the generator learned from one header, in source order.
namespace Mos.Bindings.Generator.Model;

/// <summary>A cleaned documentation comment: one entry per source line, markers removed.</summary>
public sealed record Doc(IReadOnlyList<string> Lines)
{
    public static readonly Doc None = new(Array.Empty<string>());

    public bool IsEmpty => Lines.Count == 0;
}

/// <summary>Anything declared in a header. <see cref="Offset"/> is the byte offset of
/// the declaration in its header and fixes the output order.</summary>
public abstract record CDecl(string Name, string Header, int Offset, Doc Doc);

public sealed record CParam(string Name, CsType Type, string CType);

public sealed record CFunction(string Name, string Header, int Offset, Doc Doc,
    CsType Return, string CReturn, IReadOnlyList<CParam> Params, string Prototype)
    : CDecl(Name, Header, Offset, Doc);

/// <summary>A field; <see cref="CType"/> is its C declaration as written and
/// <see cref="Note"/> says where a flattened field came from (both for docs).</summary>
public sealed record CField(string Name, long Offset, long Size, CsType Type, string CType, Doc Doc, string Note = "");

/// <summary>A struct or union. <see cref="CSpelling"/> is how C code names it
/// (<c>struct pkt_info</c>, or a typedef name for an unnamed struct).</summary>
public sealed record CRecord(string Name, string Header, int Offset, Doc Doc,
    string CSpelling, bool IsUnion, bool IsOpaque, long Size, IReadOnlyList<CField> Fields)
    : CDecl(Name, Header, Offset, Doc);

public sealed record CEnumerator(string Name, long Value, string Source, Doc Doc);

/// <summary>An enum; <see cref="Underlying"/> is the C# type of the enum and of its
/// constants ("int", "uint" or "long"). Anonymous enums have an empty name.</summary>
public sealed record CEnum(string Name, string Header, int Offset, Doc Doc,
    string Underlying, IReadOnlyList<CEnumerator> Members)
    : CDecl(Name, Header, Offset, Doc)
{
    public bool IsAnonymous => Name.Length == 0;
}

/// <summary>An object-like macro. <see cref="CsTypeName"/> is "int", "long", "ulong" or
/// "string"; when <see cref="SkipReason"/> is set the macro is not bound.</summary>
public sealed record CConstant(string Name, string Header, int Offset, Doc Doc,
    string Body, string CsTypeName, string Literal, string? SkipReason)
    : CDecl(Name, Header, Offset, Doc);

public sealed record CTypedef(string Name, string Header, int Offset, Doc Doc,
    CsType Type, string Declaration)
    : CDecl(Name, Header, Offset, Doc);

public sealed record HeaderModel(string FileName, IReadOnlyList<CDecl> Declarations)
{
    public IEnumerable<T> Of<T>() where T : CDecl => Declarations.OfType<T>();
}

/// <summary>Everything the generator read: the headers in name order plus the foreign
/// structs mirrored by hand (their C layout goes into the probe).</summary>
public sealed record ApiModel(IReadOnlyList<HeaderModel> Headers, IReadOnlyList<CRecord> Mirrors)
{
    public IEnumerable<T> All<T>() where T : CDecl => Headers.SelectMany(h => h.Of<T>());
}
