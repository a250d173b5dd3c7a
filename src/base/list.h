/*
 * list.h — intrusive doubly linked list: circular, with a sentinel head.
 *
 * A struct list_node is embedded in the owner; container_of() gets the owner back.
 * An empty list is a head whose next and prev point to itself. A node that is on no
 * list may hold anything (list_remove leaves it self-linked, so removing it twice is
 * harmless). All operations are O(1); none allocates.
 */
#ifndef SYNACK_BASE_LIST_H
#define SYNACK_BASE_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_node {
	struct list_node *next, *prev;
};

/* The struct of type `type` whose member `member` is at address ptr. */
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Iterates pos over the list at head; pos may be removed (or freed) inside the body,
 * tmp holds its successor. */
#define list_for_each_safe(pos, tmp, head) \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)

/* Makes head an empty list (or n a detached, self-linked node). */
static inline void list_init(struct list_node *head)
{
	head->next = head;
	head->prev = head;
}

static inline bool list_empty(const struct list_node *head)
{
	return head->next == head;
}

static inline void list_insert_between(struct list_node *n, struct list_node *prev,
				       struct list_node *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

/* Appends n (not on any list) at the tail of head. */
static inline void list_push_back(struct list_node *head, struct list_node *n)
{
	list_insert_between(n, head->prev, head);
}

/* Inserts n (not on any list) at the front of head. */
static inline void list_push_front(struct list_node *head, struct list_node *n)
{
	list_insert_between(n, head, head->next);
}

/* Unlinks n from its list, leaving n's own links as they were: for a node about to be
 * freed (list_remove otherwise). n must be on a list or self-linked. */
static inline void list_unlink(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
}

/* Unlinks n from its list and leaves it self-linked. n must be on a list or self-linked. */
static inline void list_remove(struct list_node *n)
{
	list_unlink(n);
	list_init(n);
}

/* Moves every node of from to the tail of head (in order) and leaves from empty. */
static inline void list_splice_tail(struct list_node *head, struct list_node *from)
{
	if (list_empty(from))
		return;
	from->next->prev = head->prev;
	head->prev->next = from->next;
	from->prev->next = head;
	head->prev = from->prev;
	list_init(from);
}

/* The first node of head, or NULL when the list is empty. */
static inline struct list_node *list_first(const struct list_node *head)
{
	return list_empty(head) ? NULL : head->next;
}

#endif /* SYNACK_BASE_LIST_H */
