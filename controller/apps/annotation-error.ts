/** An annotation whose value cannot be understood; `annotation` names it. */
export class AnnotationError extends Error {
  override readonly name = 'AnnotationError';
  readonly annotation: string;

  constructor(annotation: string, message: string, options?: ErrorOptions) {
    super(`${annotation} ${message}`, options);
    this.annotation = annotation;
  }
}
