namespace Venue.Domain.Leaderboards;

/// <summary>
/// A sorted set that also answers "how many come before this one" in O(log n): a treap whose nodes
/// count their subtree. SortedSet cannot rank without walking, and a board of 100,000 attendees
/// ranks on every update. Priorities come from a fixed-seed generator, so the shape is reproducible.
/// </summary>
internal sealed class RankedSet<T>(IComparer<T> comparer)
{
    private Node? _root;
    private uint _random = 2463534242;

    public int Count => Size(_root);

    public void Add(T item) => _root = Insert(_root, new Node(item, NextPriority()));

    public void Remove(T item) => _root = Delete(_root, item);

    /// <summary>1 for the first item; the rank <paramref name="item"/> would have if it is not in the set.</summary>
    public int RankOf(T item)
    {
        var before = 0;
        var node = _root;
        while (node is not null)
        {
            var c = comparer.Compare(item, node.Item);
            if (c < 0)
            {
                node = node.Left;
            }
            else if (c > 0)
            {
                before += Size(node.Left) + 1;
                node = node.Right;
            }
            else
            {
                return before + Size(node.Left) + 1;
            }
        }

        return before + 1;
    }

    /// <summary>The first <paramref name="n"/> items in order.</summary>
    public List<T> Take(int n)
    {
        var result = new List<T>(Math.Min(n, Count));
        var stack = new Stack<Node>();
        var node = _root;
        while (result.Count < n && (node is not null || stack.Count > 0))
        {
            while (node is not null)
            {
                stack.Push(node);
                node = node.Left;
            }

            node = stack.Pop();
            result.Add(node.Item);
            node = node.Right;
        }

        return result;
    }

    private uint NextPriority()
    {
        // xorshift32: cheap, and the same sequence every run.
        _random ^= _random << 13;
        _random ^= _random >> 17;
        _random ^= _random << 5;
        return _random;
    }

    private static int Size(Node? node) => node?.Size ?? 0;

    private Node Insert(Node? root, Node node)
    {
        if (root is null)
        {
            return node;
        }

        if (node.Priority > root.Priority)
        {
            Split(root, node.Item, out node.Left, out node.Right);
            node.Update();
            return node;
        }

        if (comparer.Compare(node.Item, root.Item) < 0)
        {
            root.Left = Insert(root.Left, node);
        }
        else
        {
            root.Right = Insert(root.Right, node);
        }

        root.Update();
        return root;
    }

    private Node? Delete(Node? root, T item)
    {
        if (root is null)
        {
            return null;
        }

        var c = comparer.Compare(item, root.Item);
        if (c == 0)
        {
            return Merge(root.Left, root.Right);
        }

        if (c < 0)
        {
            root.Left = Delete(root.Left, item);
        }
        else
        {
            root.Right = Delete(root.Right, item);
        }

        root.Update();
        return root;
    }

    /// <summary>Splits into items before <paramref name="item"/> and the rest.</summary>
    private void Split(Node? root, T item, out Node? before, out Node? rest)
    {
        if (root is null)
        {
            before = rest = null;
            return;
        }

        if (comparer.Compare(root.Item, item) < 0)
        {
            Split(root.Right, item, out root.Right, out rest);
            before = root;
        }
        else
        {
            Split(root.Left, item, out before, out root.Left);
            rest = root;
        }

        root.Update();
    }

    private static Node? Merge(Node? left, Node? right)
    {
        if (left is null || right is null)
        {
            return left ?? right;
        }

        if (left.Priority > right.Priority)
        {
            left.Right = Merge(left.Right, right);
            left.Update();
            return left;
        }

        right.Left = Merge(left, right.Left);
        right.Update();
        return right;
    }

    private sealed class Node(T item, uint priority)
    {
        public T Item = item;
        public uint Priority = priority;
        public Node? Left;
        public Node? Right;
        public int Size = 1;

        public void Update() => Size = 1 + (Left?.Size ?? 0) + (Right?.Size ?? 0);
    }
}
