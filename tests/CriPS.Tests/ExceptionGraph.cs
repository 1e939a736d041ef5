using System.Collections;
using System.Reflection;

namespace CriPS.Tests;

/// <summary>
/// Everything an exception shows when it is looked at deeply (as Format-List * -Force or a serializer does): the text
/// of every public property, down its objects, collections and InnerExceptions, and the types met on the way.
/// </summary>
internal static class ExceptionGraph
{
    public static string Text(Exception e, int depth = 6)
    {
        var text = new System.Text.StringBuilder();
        Walk(e, depth, text, new HashSet<object>(ReferenceEqualityComparer.Instance));
        return text.ToString();
    }

    /// <summary>The types of the exception and of each InnerException.</summary>
    public static IEnumerable<Type> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            yield return x.GetType();
    }

    private static void Walk(object? value, int depth, System.Text.StringBuilder text, HashSet<object> seen)
    {
        if (value is null || depth < 0)
            return;
        text.AppendLine(SafeToString(value));
        if (value is string || value.GetType().IsPrimitive || value is Type or MemberInfo or Delegate || !seen.Add(value))
            return;
        if (value is IEnumerable items)
        {
            foreach (var item in items.Cast<object?>().Take(50))
                Walk(item, depth - 1, text, seen);
        }
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0)
                continue;
            object? child;
            try
            {
                child = property.GetValue(value);
            }
            catch
            {
                continue;
            }
            Walk(child, depth - 1, text, seen);
        }
    }

    private static string SafeToString(object value)
    {
        try
        {
            return value.ToString() ?? "";
        }
        catch
        {
            return "";
        }
    }
}
