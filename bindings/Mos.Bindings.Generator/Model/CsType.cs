// The C# side of a mapped C type. Every type here is blittable.
namespace Mos.Bindings.Generator.Model;

public abstract record CsType
{
    /// <summary>C# spelling of the type, as used in a signature or field.</summary>
    public abstract string Spell();

    public sealed override string ToString() => Spell();
}

/// <summary>A C# built-in value type: int, uint, nint, byte, ...</summary>
public sealed record CsPrimitive(string Name) : CsType
{
    public override string Spell() => Name;
}

public sealed record CsVoid : CsType
{
    public static readonly CsVoid Instance = new();

    public override string Spell() => "void";
}

/// <summary>A struct generated from the headers, or a handwritten POSIX mirror.</summary>
public sealed record CsStructRef(string Name) : CsType
{
    public override string Spell() => Name;
}

public sealed record CsPointer(CsType Pointee) : CsType
{
    public override string Spell() => Pointee.Spell() + "*";
}

/// <summary>An unmanaged C function pointer; C# cannot alias it, so it is spelled inline.</summary>
public sealed record CsFunctionPointer(CsType Return, IReadOnlyList<CsType> Parameters) : CsType
{
    public override string Spell() =>
        "delegate* unmanaged[Cdecl]<" + string.Join(", ", Parameters.Select(p => p.Spell()).Append(Return.Spell())) + ">";

    public bool Equals(CsFunctionPointer? other) => other is not null && Spell() == other.Spell();

    public override int GetHashCode() => Spell().GetHashCode(StringComparison.Ordinal);
}

/// <summary>A fixed-size C array (struct fields only; parameters decay to pointers).
/// <see cref="Dims"/> lists the extents outermost first.</summary>
public sealed record CsArray(CsType Element, IReadOnlyList<long> Dims) : CsType
{
    public override string Spell() => Element.Spell() + string.Concat(Dims.Select(d => $"[{d}]"));

    public bool Equals(CsArray? other) => other is not null && Spell() == other.Spell();

    public override int GetHashCode() => Spell().GetHashCode(StringComparison.Ordinal);
}
