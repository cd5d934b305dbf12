/**
 * Segmentation and classification losses: fused {@link gradwerk.nn.loss.CrossEntropy} (class weights, ignore index,
 * reductions) and soft {@link gradwerk.nn.loss.Dice}, as functions and as modules.
 */
package gradwerk.nn.loss;
