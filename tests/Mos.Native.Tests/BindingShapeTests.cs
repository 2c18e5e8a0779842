// Properties every generated extern must have to work under both JIT and NativeAOT
// (DirectPInvoke) without runtime marshalling.
using System.Reflection;
using System.Runtime.InteropServices;
using Xunit;

namespace Mos.Native.Tests;

public class BindingShapeTests
{
    [Fact]
    public void every_extern_binds_mtcp_by_exact_name_and_saves_errno()
    {
        var problems = new List<string>();
        foreach (var (name, m) in Reflected.Externs())
        {
            DllImportAttribute a = m.GetCustomAttribute<DllImportAttribute>()!;
            if (a.Value != Lib.Name || !a.ExactSpelling || !a.SetLastError || a.EntryPoint != m.Name)
                problems.Add($"{name}: [DllImport(\"{a.Value}\", EntryPoint = \"{a.EntryPoint}\", ExactSpelling = {a.ExactSpelling}, SetLastError = {a.SetLastError})]");
        }
        Assert.Equal("mtcp", Lib.Name);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void every_extern_signature_is_blittable()
    {
        var problems = new List<string>();
        foreach (var (name, m) in Reflected.Externs())
        {
            var types = m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType);
            problems.AddRange(types.Where(t => !IsBlittable(t)).Select(t => $"{name}: {t}"));
        }
        Assert.True(problems.Count == 0, "non-blittable types in externs:\n" + string.Join("\n", problems));
    }

    private static bool IsBlittable(Type t)
    {
        if (t == typeof(void) || t.IsPointer || t.IsFunctionPointer)
            return true;
        if (t == typeof(bool) || t == typeof(char) || t.IsByRef || !t.IsValueType)
            return false;
        return t.IsPrimitive || (t.IsValueType && !t.IsEnum && t.Namespace == "Mos.Native");
    }

    [Fact]
    public void every_header_function_of_the_model_has_exactly_one_extern()
    {
        var model = GeneratorFixture.Model.All<Mos.Bindings.Generator.Model.CFunction>().Select(f => f.Name).Order(StringComparer.Ordinal);
        Assert.Equal(model, Reflected.Externs().Keys.Order(StringComparer.Ordinal));
    }
}
